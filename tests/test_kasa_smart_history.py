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


def steady_days(zone: dt.tzinfo, ours: dt.tzinfo, days: list[dt.date], today: dt.date) -> list:
    """The days on which the plug's zone and Home Assistant's are as far apart as today: where
    they changed their clocks on different dates, the import's fixed lead moves an hour over."""

    def gap(day: dt.date) -> dt.timedelta | None:
        at = dt.datetime.combine(day, dt.time(0), zone)
        return at.utcoffset() - at.astimezone(ours).utcoffset()  # type: ignore[operator]

    return [day for day in days if gap(day) == gap(day + dt.timedelta(days=1)) == gap(today)]


def energy_by(rows: list[dict], key) -> dict:
    """The energy of each hourly row (sum minus the previous), added up by `key(start)`."""
    from homeassistant.util import dt as dt_util

    energy: dict = {}
    for before, row in itertools.pairwise(rows):
        where = key(dt_util.utc_from_timestamp(row["start"]))
        energy[where] = energy.get(where, 0.0) + row["sum"] - before["sum"]
    return energy


async def hourly_rows(hass: HomeAssistant, entity_id: str) -> list[dict]:
    from homeassistant.components.recorder.statistics import statistics_during_period
    from homeassistant.helpers.recorder import get_instance
    from homeassistant.util import dt as dt_util
    from pytest_homeassistant_custom_component.components.recorder.common import (
        async_wait_recording_done,
    )

    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
    start = dt_util.now() - dt.timedelta(days=400)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, None, {entity_id}, "hour", None, {"sum", "state"}
    )
    return stats.get(entity_id, [])


@pytest.mark.time_sensitive
async def test_a_new_plug_brings_its_history_into_the_energy_dashboard(
    recorder_mock: Recorder, hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plug's days (get_energy_data, the quarter), months (the year) and the last week's
    hours go into its Energy total's statistics, ending where the sensor is now: no jump,
    nothing twice."""
    from homeassistant.util import dt as dt_util

    sim = SimulatedSmartDevice(capture("P110"), **ACCOUNT).name("Heater")
    sim.model.with_history(days=60)
    outlet, zone = sim.outlets[0], sim.model.clock.zone
    await serve(monkeypatch, sim)
    try:
        await add_plug(hass)
        rows = await hourly_rows(hass, "sensor.heater_energy_total")
        assert len(rows) > 24 * 55  # two months of hours, at least
        sums = [row["sum"] for row in rows]
        assert sums == sorted(sums)  # never backwards
        today, ours = sim.model.wall().date(), dt_util.get_default_time_zone()

        def plug_wh(start: dt.datetime, span: dt.timedelta) -> float:
            return sum(wh for hour, wh in outlet.hours_wh.items() if start <= hour < start + span)

        # Each of the plug's days (its own dates, in its own zone: its midnight is not Home
        # Assistant's) is that day's energy on the dashboard.
        daily = energy_by(rows, lambda start: start.astimezone(zone).date())
        days = steady_days(zone, ours, [today - dt.timedelta(days=n) for n in range(3, 40)], today)
        assert len(days) >= 20
        for day in days:
            midnight, one_day = dt.datetime.combine(day, dt.time(0)), dt.timedelta(days=1)
            expected = round(plug_wh(midnight, one_day)) / 1000
            assert daily.get(day, 0.0) == pytest.approx(expected, abs=0.002), day
        # The last week's hours have the plug's own shape (it keeps hours for about a week).
        hourly = energy_by(rows, lambda start: start.astimezone(zone).replace(tzinfo=None))
        recent = steady_days(zone, ours, [today - dt.timedelta(days=n) for n in range(1, 7)], today)
        for day in recent:
            for n in range(24):
                hour = dt.datetime.combine(day, dt.time(n))
                expected = plug_wh(hour, dt.timedelta(hours=1)) / 1000
                assert hourly.get(hour, 0.0) == pytest.approx(expected, abs=0.002), hour
        # The history ends where the sensor's total is now, less what the plug counted today.
        join = state(hass, "sensor.heater_energy_total") - sim.model.today_wh(outlet) / 1000
        assert rows[-1]["state"] == pytest.approx(join, abs=0.01)
    finally:
        await sim.stop()
