"""A dryer on a WeMo Insight: its cycle (Running, the Cycle event) from the Insight's pushed
power, with the cool-down inside the cycle and one "finished" after it."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
import pytest

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.wemo_device import SimulatedWemo
from tests.kinds.cycles import cycle_events
from tests.kinds.wemo import add, state
from tests.polling import until

pytestmark = [
    pytest.mark.usefixtures("wemo_harness"),
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True),
]
EVERY = timedelta(seconds=30)


async def readings(hass: HomeAssistant, sim: SimulatedWemo, freezer, minutes: float) -> None:
    coordinator = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.runtime.coordinator
    for _ in range(round(minutes * 60 / EVERY.total_seconds())):
        pushes = coordinator.pushes
        freezer.tick(EVERY)
        await sim.set_load(sim.load_w)  # a NOTIFY with fresh InsightParams
        await until(lambda p=pushes: coordinator.pushes > p)
        await hass.async_block_till_done()


async def test_a_dryer_cycle_on_an_insight(hass: HomeAssistant, freezer) -> None:
    events = cycle_events(hass, "event.dryer_cycle")
    async with SimulatedWemo("Insight", serial="221517K0101769") as sim:
        sim.name = "Dryer"
        sim.load_w = 0.5
        await add(hass, sim)
        await sim.press(True)
        await until(lambda: state(hass, "switch.dryer") == "on")
        await readings(hass, sim, freezer, 5)
        assert state(hass, "binary_sensor.dryer_running") == "off"
        for minutes, watts in [(20, 2400.0), (5, 200.0)]:  # heat, then the cool-down tumble
            sim.load_w = watts
            await readings(hass, sim, freezer, minutes)
            assert state(hass, "binary_sensor.dryer_running") == "on"
        sim.load_w = 0.5
        await readings(hass, sim, freezer, 4)
        assert [e["event_type"] for e in events] == ["cycle_started"]
        await readings(hass, sim, freezer, 2)
        assert [e["event_type"] for e in events] == ["cycle_started", "cycle_finished"]
        finished = events[1]
        assert finished["energy_kwh"] == pytest.approx((20 * 2400 + 5 * 200) / 60 / 1000, rel=0.05)
        assert state(hass, "binary_sensor.dryer_running") == "off"
