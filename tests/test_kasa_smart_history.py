"""A SMART plug's own history (get_energy_data: days of the quarter, months of the year) in
its Energy total's long-term statistics, read back through the recorder."""

from __future__ import annotations

import datetime as dt
import itertools

from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
import pytest

from devkit.simulators.kasa_smart import SimulatedSmartDevice
from tests.kinds.kasa_smart import ACCOUNT, add_plug, capture, serve, state

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder must start before Home Assistant does (phcc's rule), then LAN Meter."""


# ----- history ----------------------------------------------------------------------------------


@pytest.mark.time_sensitive
async def test_a_new_plug_brings_its_history_into_the_energy_dashboard(
    recorder_mock: Recorder, hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plug's days (get_energy_data, the quarter) and months (the year) go into its Energy
    total's statistics, ending where the sensor is now: no jump, nothing twice."""
    from homeassistant.components.recorder.statistics import statistics_during_period
    from homeassistant.helpers.recorder import get_instance
    from homeassistant.util import dt as dt_util
    from pytest_homeassistant_custom_component.components.recorder.common import (
        async_wait_recording_done,
    )

    sim = SimulatedSmartDevice(capture("P110"), **ACCOUNT).name("Heater")
    sim.model.with_history(days=60)
    outlet = sim.outlets[0]
    await serve(monkeypatch, sim)
    try:
        await add_plug(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        await async_wait_recording_done(hass)
        entity_id = "sensor.heater_energy_total"
        start = dt_util.now() - dt.timedelta(days=400)
        rows = (
            await get_instance(hass).async_add_executor_job(
                statistics_during_period,
                hass,
                start,
                None,
                {entity_id},
                "hour",
                None,
                {"sum", "state"},
            )
        ).get(entity_id, [])
        assert len(rows) > 24 * 55  # two months of hours, at least
        sums = [row["sum"] for row in rows]
        assert sums == sorted(sums)  # never backwards
        # Each of the plug's days (its own dates, in its own zone: its midnight is not Home
        # Assistant's) is that day's energy on the dashboard.
        zone = sim.model.clock.zone
        daily: dict[dt.date, float] = {}
        for before, row in itertools.pairwise(rows):
            day = dt_util.utc_from_timestamp(row["start"]).astimezone(zone).date()
            daily[day] = daily.get(day, 0.0) + row["sum"] - before["sum"]
        today = sim.model.wall().date()
        ours = dt_util.get_default_time_zone()

        def gap(day: dt.date) -> dt.timedelta | None:
            at = dt.datetime.combine(day, dt.time(0), zone)
            return at.utcoffset() - at.astimezone(ours).utcoffset()  # type: ignore[operator]

        checked = 0
        for back in range(3, 40):
            day = today - dt.timedelta(days=back)
            if not gap(day) == gap(day + dt.timedelta(days=1)) == gap(today):
                continue  # the zones' clocks changed at different dates: an hour moves over
            start_of_day = dt.datetime.combine(day, dt.time(0))
            plug_wh = sum(
                wh
                for hour, wh in outlet.hours_wh.items()
                if start_of_day <= hour < start_of_day + dt.timedelta(days=1)
            )
            assert daily.get(day, 0.0) == pytest.approx(round(plug_wh) / 1000, abs=0.002), day
            checked += 1
        assert checked >= 20
        # The history ends where the sensor's total is now, less what the plug counted today.
        join = state(hass, entity_id) - sim.model.today_wh(outlet) / 1000
        assert rows[-1]["state"] == pytest.approx(join, abs=0.01)
    finally:
        await sim.stop()
