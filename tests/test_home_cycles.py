"""Appliance cycles on power sensors of other integrations chosen in the home view (a smart plug
LAN Meter does not read itself): Running, Cycle and its quiet period on the Home device, named
after the appliance, fed by every reading, including one repeating the same watts."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from tests.kinds.cycles import WASHER
from tests.kinds.home import Trace, add_home

pytestmark = pytest.mark.time_sensitive
RUNNING = "binary_sensor.home_washer_running"
CYCLE = "event.home_washer_cycle"


def cycles(hass: HomeAssistant) -> list[dict[str, Any]]:
    fired: list[dict[str, Any]] = []

    def listener(event: Event) -> None:
        new = event.data["new_state"]
        if event.data["entity_id"] == CYCLE and new and new.state not in ("unknown", "unavailable"):
            fired.append(dict(new.attributes))

    hass.bus.async_listen("state_changed", listener)
    return fired


async def minutes(hass: HomeAssistant, trace: Trace, count: int, watts: float) -> None:
    """A reading each 30 s (as a Shelly plug reports), the same value each time (recorded as
    reports, not changes)."""
    for _ in range(count * 2):
        await trace.at(30, washer_power=watts)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


async def test_a_washer_on_another_integrations_plug_has_one_cycle_with_its_pauses(
    hass: HomeAssistant, freezer
) -> None:
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, washer_power=0.5, kettle_power=0)
    await add_home(hass, devices=["sensor.washer_power", "sensor.kettle_power"])
    registry = er.async_get(hass)
    assert registry.async_get(RUNNING) is not None
    assert registry.async_get("number.home_washer_cycle_quiet_period") is not None
    fired = cycles(hass)
    await minutes(hass, trace, 5, 0.5)
    assert hass.states.get(RUNNING).state == "off"
    for length, watts in WASHER:  # with a 4-minute and a 3-minute soak at 3 W
        await minutes(hass, trace, length, watts)
        assert hass.states.get(RUNNING).state == "on"
    await minutes(hass, trace, 4, 0.5)
    assert [f["event_type"] for f in fired] == ["cycle_started"], fired
    await minutes(hass, trace, 2, 0.5)
    assert [f["event_type"] for f in fired] == ["cycle_started", "cycle_finished"]
    assert hass.states.get(RUNNING).state == "off"
    kwh = sum(m / 60 * w for m, w in WASHER) / 1000
    assert fired[-1]["energy_kwh"] == pytest.approx(kwh, rel=0.1)


async def test_lan_meters_own_outlets_keep_their_cycles_on_their_own_devices(
    hass: HomeAssistant, freezer
) -> None:
    """A chosen sensor of LAN Meter's (a Kasa outlet's power) gets no second set on Home."""
    registry = er.async_get(hass)
    registry.async_get_or_create(
        "sensor", "lanmeter", "kasa_outlet_power", suggested_object_id="washer_power"
    )
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, washer_power=0.5, kettle_power=0)
    await add_home(hass, devices=["sensor.washer_power", "sensor.kettle_power"])
    assert registry.async_get(RUNNING) is None
    assert registry.async_get("binary_sensor.home_kettle_running") is not None
