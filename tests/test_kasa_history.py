"""A strip's own energy history in Home Assistant's long-term statistics (the Energy dashboard),
read back through the recorder: joins, repeats and restarts."""

from __future__ import annotations

from collections.abc import AsyncIterator
import datetime as dt
import itertools

from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.lanmeter.kasa.history import months_to_read, rows_before
from tests.simulators.kasa_device import SimulatedKasaDevice
from tests.test_kasa_integration import add_strip, kitchen_strip

pytestmark = pytest.mark.usefixtures("socket_enabled")
KETTLE = "sensor.kettle_energy_total"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder must start before Home Assistant does (phcc's rule), then LAN Meter."""


@pytest.fixture
async def strip_with_history() -> AsyncIterator[SimulatedKasaDevice]:
    async with kitchen_strip().with_history(days=35) as sim:
        yield sim


async def hourly(hass: HomeAssistant, entity_id: str) -> list[dict]:
    start = dt_util.now() - dt.timedelta(days=120)
    stats = await get_instance(hass).async_add_executor_job(
        statistics_during_period, hass, start, None, {entity_id}, "hour", None, {"sum", "state"}
    )
    return stats.get(entity_id, [])


def daily_energy(rows: list[dict]) -> dict[dt.date, float]:
    """kWh per local day from hourly sums (what the Energy dashboard shows)."""
    energy: dict[dt.date, float] = {}
    previous = None
    for row in rows:
        if previous is not None:
            day = dt_util.as_local(dt_util.utc_from_timestamp(row["start"])).date()
            energy[day] = energy.get(day, 0.0) + row["sum"] - previous
        previous = row["sum"]
    return energy


async def imported(hass: HomeAssistant) -> None:
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def test_a_new_strip_brings_its_history_into_the_energy_dashboard(
    recorder_mock: Recorder, hass: HomeAssistant, strip_with_history: SimulatedKasaDevice
) -> None:
    entry = await add_strip(hass, strip_with_history)
    await imported(hass)
    rows = await hourly(hass, KETTLE)
    kettle = strip_with_history.outlets[0]
    assert len(rows) == 24 * 35
    # Each day of the meter's history is that day's energy on the dashboard.
    energy = daily_energy(rows)
    for day, wh in kettle.history_wh.items():
        if day in energy and day != min(kettle.history_wh):
            assert energy[day] == pytest.approx(wh / 1000, abs=1e-3), day
    # The history ends where the sensor's total is now (minus today's use): no jump at the join.
    total = float(hass.states.get(KETTLE).state)
    today_kwh = kettle.today_wh / 1000
    assert rows[-1]["state"] == pytest.approx(total - today_kwh, abs=0.01)
    assert all(a["sum"] <= b["sum"] for a, b in itertools.pairwise(rows))

    # A restart (the entry set up again) imports nothing more and changes nothing.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await imported(hass)
    assert await hourly(hass, KETTLE) == rows


async def test_history_joins_existing_statistics_and_never_replaces_them(
    recorder_mock: Recorder, hass: HomeAssistant, strip_with_history: SimulatedKasaDevice
) -> None:
    """Home Assistant already has statistics from three days ago on (the strip was set up then,
    before LAN Meter imported history): only the days before them are added, joined below the
    first existing row."""
    from homeassistant.components.recorder.models import StatisticData
    from homeassistant.components.recorder.statistics import async_import_statistics

    from custom_components.lanmeter.compat import energy_statistic_metadata

    tz = dt_util.get_default_time_zone()
    first_day = dt_util.now().date() - dt.timedelta(days=3)
    live = [
        StatisticData(
            start=dt.datetime.combine(first_day, dt.time(0), tz) + dt.timedelta(hours=h),
            sum=0.1 * h,
            state=500.0 + 0.1 * h,
        )
        for h in range(48)
    ]
    async_import_statistics(hass, energy_statistic_metadata(KETTLE), live)
    await async_wait_recording_done(hass)
    # The sensor must exist for the import to find the outlet's statistic: set up the strip.
    await add_strip(hass, strip_with_history)
    await imported(hass)
    rows = await hourly(hass, KETTLE)
    kettle = strip_with_history.outlets[0]
    before = [
        r
        for r in rows
        if dt_util.as_local(dt_util.utc_from_timestamp(r["start"])).date() < first_day
    ]
    after = [r for r in rows if r not in before]
    assert [(r["sum"], r["state"]) for r in after[:48]] == [
        (pytest.approx(0.1 * h), pytest.approx(500.0 + 0.1 * h)) for h in range(48)
    ]  # never replaced
    history_days = [d for d in kettle.history_wh if d < first_day]
    assert len(before) == 24 * len(history_days)
    # Joined: the last imported hour ends one hour's share below the first existing row.
    day_share = kettle.history_wh[first_day] / 1000 / 24
    assert before[-1]["sum"] == pytest.approx(0.0 - day_share, abs=1e-3)
    assert before[-1]["state"] == pytest.approx(500.0 - day_share, abs=1e-3)


def test_rows_stop_at_a_gap_in_the_meters_history() -> None:
    tz = dt.UTC
    today = dt.date(2026, 11, 29)
    days = {today - dt.timedelta(days=n): 1.2 for n in (1, 2, 3, 5, 6)}
    rows = rows_before(days, today, 0.6, 10.0, 110.0, tz)
    assert len(rows) == 3 * 24  # days 1-3; day 4 is missing, so 5 and 6 are not guessed at
    assert rows[-1].sum_kwh == pytest.approx(9.4)
    assert rows[0].sum_kwh == pytest.approx(9.4 - 3 * 1.2 + 0.05)
    assert months_to_read(dt.date(2026, 1, 15)) == [(2026, 1), (2025, 12), (2025, 11)]
