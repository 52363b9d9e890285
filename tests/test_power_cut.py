"""A house power cut (issue 36): Home Assistant's host, a Kasa strip and a WeMo Insight lose power
together. Home Assistant stops without unloading, so its stores hold only what it had written
by then; the devices' registers restart from zero; power is back a few minutes later. Every
total, replayed through the Energy dashboard's total_increasing rule, must equal what the
simulators say went through the relays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, HomeAssistant
import pytest

from custom_components.lanmeter.const import DOMAIN
from devkit.energy_replay import dashboard_sum
from devkit.simulators.kasa_device import SimulatedKasaDevice
from devkit.simulators.wemo_device import SimulatedWemo
from tests.crash import crash_and_start
from tests.kinds.kasa import add_strip, kitchen_strip, poll
from tests.kinds.wemo import add, state
from tests.polling import until
from tests.soak_report import report

pytestmark = [
    pytest.mark.usefixtures("wemo_harness"),
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-11-18 19:00:00+00:00", tick=True),
]
TOTALS = {
    "kettle": "sensor.kettle_energy_total",
    "fridge": "sensor.fridge_energy_total",
    "dryer": "sensor.dryer_energy_total",
}
STEP = timedelta(seconds=60)
MW_MIN_PER_WH = 6e4


class House:
    """The strip (kettle 1.5 kW, fridge 120 W) and the Insight (dryer 1 kW), the totals' states
    as Home Assistant wrote them, and the truth."""

    def __init__(self, hass: HomeAssistant, freezer, strip: SimulatedKasaDevice) -> None:
        self.hass, self.freezer, self.strip = hass, freezer, strip
        self.insight = SimulatedWemo("Insight", serial="221517K0101770")
        self.insight.name = "Dryer"
        self.insight.load_w = 1000.0
        self.states: dict[str, list[str]] = {name: [] for name in TOTALS}
        self.entries: list[ConfigEntry] = []

    async def start(self) -> None:
        by_entity = {entity: name for name, entity in TOTALS.items()}

        def record(event: Event) -> None:
            name = by_entity.get(event.data["entity_id"])
            if name is not None and event.data["new_state"] is not None:
                self.states[name].append(event.data["new_state"].state)

        self.hass.bus.async_listen("state_changed", record)
        await self.insight.start()
        self.strip.outlets[2].on = True
        self.strip.set_load(2, 120.0)
        await add_strip(self.hass, self.strip)
        await add(self.hass, self.insight)
        await self.insight.press(True)
        await until(lambda: state(self.hass, "switch.dryer") == "on")
        self.entries = list(self.hass.config_entries.async_entries(DOMAIN))
        self.used_at_start = self.used()

    def used(self) -> dict[str, float]:
        """Wh through each relay, as of the device's last answer."""
        return {
            "kettle": self.strip.outlets[0].used_wh,
            "fridge": self.strip.outlets[2].used_wh,
            # What its InsightParams reported, less what vanished unreported with the register.
            "dryer": (self.insight.used_reported_mw_min - self.insight.unseen_mw_min)
            / MW_MIN_PER_WH,
        }

    async def minutes(self, count: int) -> None:
        """Readings as they come: the strip polled, the Insight pushing its InsightParams."""
        for _ in range(count):
            self.freezer.tick(STEP)
            await poll(self.hass)
            await self.insight.set_load(self.insight.load_w)
            await self.hass.async_block_till_done()

    async def power_cut(self, hass_storage: dict[str, Any], away: timedelta) -> None:
        """Everything loses power at once; Home Assistant's stores keep what it had written."""
        self.strip.power_off()
        await self.insight.power_off()

        async def while_down() -> None:
            self.freezer.tick(away)
            self.strip.power_on()
            await self.insight.power_on()

        await crash_and_start(self.hass, hass_storage, while_down)
        await until(lambda: len(self.insight.subscribers) >= 2)

    def assert_exact(self) -> None:
        used = self.used()
        for name, wh_per_reading in (("kettle", 1.0), ("fridge", 1.0), ("dryer", 0.01)):
            truth = (used[name] - self.used_at_start[name]) / 1000
            booked = dashboard_sum(self.states[name])
            report(name, booked, truth)
            # The Kasa register counts whole Wh: each end, and the cut, lose less than 1 Wh.
            assert booked == pytest.approx(truth, abs=3 * wh_per_reading / 1000), name

    async def stop(self) -> None:
        await self.insight.stop()


async def test_a_house_power_cut_loses_nothing_and_counts_nothing_twice(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer
) -> None:
    async with kitchen_strip() as strip:
        house = House(hass, freezer, strip)
        try:
            await house.start()
            await house.minutes(120)  # two hours of use since the last clean start
            await house.power_cut(hass_storage, away=timedelta(minutes=5))
            await house.minutes(10)
            house.assert_exact()
            for entry in house.entries:  # nothing went wrong enough to stop an entry
                assert entry.runtime_data is not None
        finally:
            await house.stop()
