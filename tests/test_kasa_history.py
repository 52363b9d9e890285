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
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.lanmeter.kasa.history import hours_of, months_to_read, rows_before
from devkit.simulators.clock import DeviceClock
from devkit.simulators.kasa_device import SimulatedKasaDevice
from tests.kinds.kasa import add_strip, kitchen_strip, poll

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.time_sensitive]
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
    start = dt_util.now() - dt.timedelta(days=400)
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


def meter_days(sim: SimulatedKasaDevice) -> dict[dt.date, float]:
    """The kettle's daily records as the meter holds them when the strip is added. A test that
    crosses midnight sees the strip file one more day after the import (that day is in Home
    Assistant's own statistics, not the import's)."""
    return dict(sim.outlets[0].history_wh)


async def imported(hass: HomeAssistant) -> None:
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def test_a_new_strip_brings_its_history_into_the_energy_dashboard(
    recorder_mock: Recorder, hass: HomeAssistant, strip_with_history: SimulatedKasaDevice
) -> None:
    recorded = meter_days(strip_with_history)
    entry = await add_strip(hass, strip_with_history)
    await imported(hass)
    rows = await hourly(hass, KETTLE)
    tz = dt_util.get_default_time_zone()
    assert len(rows) == sum(len(hours_of(day, tz)) for day in recorded)  # 24 * 35 (+1 DST)
    # Each day of the meter's history is that day's energy on the dashboard.
    energy = daily_energy(rows)
    for day, wh in recorded.items():
        if day in energy and day != min(recorded):
            assert energy[day] == pytest.approx(wh / 1000, abs=1e-3), day
    # The history ends where the sensor's total is now (minus today's use): no jump at the join.
    kettle = strip_with_history.outlets[0]
    total = float(hass.states.get(KETTLE).state)
    joins = [total - kettle.today_wh / 1000]
    # A test that crossed midnight: the import may have joined the day the strip filed since.
    joins += [
        joins[0] - kettle.history_wh[day] / 1000
        for day in kettle.history_wh.keys() - recorded.keys()
    ]
    assert any(rows[-1]["state"] == pytest.approx(join, abs=0.01) for join in joins), joins
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
    recorded = meter_days(strip_with_history)
    await add_strip(hass, strip_with_history)
    await imported(hass)
    rows = await hourly(hass, KETTLE)
    before = [
        r
        for r in rows
        if dt_util.as_local(dt_util.utc_from_timestamp(r["start"])).date() < first_day
    ]
    after = [r for r in rows if r not in before]
    assert [(r["sum"], r["state"]) for r in after[:48]] == [
        (pytest.approx(0.1 * h), pytest.approx(500.0 + 0.1 * h)) for h in range(48)
    ]  # never replaced
    history_days = [d for d in recorded if d < first_day]
    assert len(before) == sum(len(hours_of(d, tz)) for d in history_days)
    # Joined: the last imported hour ends one hour's share below the first existing row.
    day_share = recorded[first_day] / 1000 / 24
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


def live_rows(first_hour: dt.datetime, hours: int, sum_from: float, state_from: float) -> list:
    """Rows as Home Assistant's recorder writes them while it runs: 0.05 kWh per hour."""
    from homeassistant.components.recorder.models import StatisticData

    return [
        StatisticData(
            start=first_hour + dt.timedelta(hours=h),
            sum=round(sum_from + 0.05 * (h + 1), 6),
            state=round(state_from + 0.05 * (h + 1), 6),
        )
        for h in range(hours)
    ]


async def write_live(hass: HomeAssistant, rows: list) -> None:
    from homeassistant.components.recorder.statistics import async_import_statistics

    from custom_components.lanmeter.compat import energy_statistic_metadata

    async_import_statistics(hass, energy_statistic_metadata(KETTLE), rows)
    await async_wait_recording_done(hass)


def local_midnight(days_back: int, today: dt.date) -> dt.datetime:
    """Midnight `days_back` days before `today`, which a test takes once at its start: one
    that crosses midnight keeps its days."""
    day = today - dt.timedelta(days=days_back)
    return dt.datetime.combine(day, dt.time(0), dt_util.get_default_time_zone())


def assert_gap_follows_the_meter(
    rows: list[dict], history_wh: dict[dt.date, float], gap_days: list[dt.date], energy: float
) -> None:
    by_day = daily_energy(rows)
    # Each whole day of the downtime got its share of the downtime's energy, in the proportions
    # the strip's meter recorded (not all of it in the hour after the restart).
    reference = gap_days[0]
    for day in gap_days[1:]:
        assert by_day[day] / by_day[reference] == pytest.approx(
            history_wh[day] / history_wh[reference], rel=1e-3
        ), day
    assert sum(by_day[d] for d in gap_days) < energy
    assert all(a["sum"] <= b["sum"] for a, b in itertools.pairwise(rows))
    starts = [r["start"] for r in rows]
    assert all(b - a == 3600 for a, b in itertools.pairwise(starts))  # no hour left out


async def test_a_downtime_gap_is_filled_from_the_meters_days(
    recorder_mock: Recorder, hass: HomeAssistant, strip_with_history: SimulatedKasaDevice
) -> None:
    """Home Assistant ran until 8 days ago, was down for 4 days and ran again: the recorder put
    the 4 days' energy in one hour. The import spreads it back over the days it was used on,
    keeping every existing row and the totals on both sides."""
    today, recorded = dt_util.now().date(), meter_days(strip_with_history)
    gap_energy = 6.0
    before = live_rows(local_midnight(8, today), 48, 0.0, 500.0)  # days -8 and -7
    restart = local_midnight(2, today) + dt.timedelta(
        hours=10
    )  # the recorder's row after the restart
    after = live_rows(restart, 6, before[-1]["sum"] + gap_energy, before[-1]["state"] + 6.0)
    await write_live(hass, before + after)

    await add_strip(hass, strip_with_history)
    await imported(hass)
    rows = await hourly(hass, KETTLE)
    kept = {r["start"]: (r["sum"], r["state"]) for r in rows}
    for row in before + after:
        assert kept[row["start"].timestamp()] == (
            pytest.approx(row["sum"]),
            pytest.approx(row["state"]),
        )  # never replaced
    gap_days = [d.date() for d in (local_midnight(n, today) for n in (6, 5, 4, 3))]
    assert_gap_follows_the_meter(rows, recorded, gap_days, gap_energy + 0.05)

    # Imported again (a restart): nothing changes.
    entry = hass.config_entries.async_entries("lanmeter")[0]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await imported(hass)
    assert await hourly(hass, KETTLE) == rows


async def test_after_a_restart_the_gap_is_filled_once_the_recorder_booked_the_next_hour(
    recorder_mock: Recorder, hass: HomeAssistant, strip_with_history: SimulatedKasaDevice
) -> None:
    """At startup the hour after the downtime has no row yet (the recorder writes it when the
    hour ends); the import looks again after that and fills the gap then."""
    today, recorded = dt_util.now().date(), meter_days(strip_with_history)
    before = live_rows(local_midnight(6, today), 48, 0.0, 500.0)  # days -6 and -5, then down
    await write_live(hass, before)
    await add_strip(hass, strip_with_history)
    await imported(hass)
    rows = await hourly(hass, KETTLE)
    assert rows[-1]["start"] == before[-1]["start"].timestamp()  # nothing guessed past the end

    # The recorder books the first hour after the restart (here: the downtime's 4 kWh in it).
    first_after = local_midnight(1, today)
    await write_live(
        hass, live_rows(first_after, 1, before[-1]["sum"] + 4.0, before[-1]["state"] + 4.0)
    )
    async_fire_time_changed(hass, dt_util.utcnow() + dt.timedelta(hours=2))
    await imported(hass)
    rows = await hourly(hass, KETTLE)
    gap_days = [d.date() for d in (local_midnight(n, today) for n in (4, 3, 2))]
    assert_gap_follows_the_meter(rows, recorded, gap_days, 4.05)
    assert rows[-1]["sum"] == pytest.approx(before[-1]["sum"] + 4.05)  # the total is unchanged


def test_a_day_has_the_hours_its_clocks_show() -> None:
    from zoneinfo import ZoneInfo

    pacific = ZoneInfo("America/Los_Angeles")
    assert len(hours_of(dt.date(2026, 11, 1), pacific)) == 25  # clocks go back
    assert len(hours_of(dt.date(2026, 3, 8), pacific)) == 23  # clocks go forward
    assert len(hours_of(dt.date(2026, 11, 29), pacific)) == 24
    days = {dt.date(2026, 10, 31): 2.4, dt.date(2026, 11, 1): 2.5}
    rows = rows_before(days, dt.date(2026, 11, 2), 0.0, 0.0, 10.0, pacific)
    starts = [r.start for r in rows]
    assert len(set(starts)) == len(starts) == 49
    assert all(b - a == dt.timedelta(hours=1) for a, b in itertools.pairwise(starts))
    assert rows[0].sum_kwh == pytest.approx(-4.9 + 0.1)


async def test_months_kept_only_as_totals_fill_the_year_before_the_daily_history(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    """The meter keeps daily records for recent months and only monthly totals before them
    (get_monthstat): those months appear with their totals, joined to the daily history."""
    async with kitchen_strip().with_history(days=35, months=4) as sim:
        recorded, months = meter_days(sim), dict(sim.outlets[0].month_history_wh)
        await add_strip(hass, sim)
        await imported(hass)
        rows = await hourly(hass, KETTLE)
    assert all(b["start"] - a["start"] == 3600 for a, b in itertools.pairwise(rows))
    assert all(a["sum"] <= b["sum"] for a, b in itertools.pairwise(rows))
    by_month: dict[tuple[int, int], float] = {}
    for day, kwh in daily_energy(rows).items():
        by_month[(day.year, day.month)] = by_month.get((day.year, day.month), 0.0) + kwh
    first_month = min(months)
    assert dt_util.as_local(dt_util.utc_from_timestamp(rows[0]["start"])).date() == first_month
    for month, wh in months.items():
        if month != first_month:  # the first hour has no row before it to count from
            assert by_month[(month.year, month.month)] == pytest.approx(wh / 1000, abs=1e-3)
    for day, wh in recorded.items():
        assert daily_energy(rows)[day] == pytest.approx(wh / 1000, abs=1e-3), day


def test_month_totals_parse_in_both_units() -> None:
    from custom_components.lanmeter.kasa.readings import KasaAnswerError, parse_month_list

    answer = {"month_list": [{"year": 2026, "month": 9, "energy_wh": 31250}]}
    assert parse_month_list(answer) == {(2026, 9): 31.25}
    older = {"month_list": [{"year": 2026, "month": 9, "energy": 31.25}]}
    assert parse_month_list(older) == {(2026, 9): 31.25}
    for bad in ({}, {"month_list": [{"year": 2026, "month": 13, "energy_wh": 1}]},
                {"month_list": [{"year": 2026, "month": 9, "energy_wh": -5}]}):  # fmt: skip
        with pytest.raises(KasaAnswerError):
            parse_month_list(bad)


async def test_a_gap_while_the_strip_was_away_is_filled_after_it_answers_again(
    recorder_mock: Recorder, hass: HomeAssistant, strip_with_history: SimulatedKasaDevice
) -> None:
    """Home Assistant ran, but the strip was unplugged for days: no statistics rows then, and
    its energy lands in the hour it answers again. Once that hour is recorded, the gap is filled
    from the meter's days, like a downtime of Home Assistant's own."""
    today, recorded = dt_util.now().date(), meter_days(strip_with_history)
    before = live_rows(local_midnight(6, today), 48, 0.0, 500.0)  # days -6 and -5, then unplugged
    await write_live(hass, before)
    entry = await add_strip(hass, strip_with_history)
    await imported(hass)
    coordinator = entry.runtime_data.runtime.coordinator
    # The imports Home Assistant's start scheduled have run: nothing to fill yet.
    async_fire_time_changed(hass, dt_util.utcnow() + dt.timedelta(hours=2))
    await imported(hass)
    assert (await hourly(hass, KETTLE))[-1]["start"] == before[-1]["start"].timestamp()

    await strip_with_history.stop()  # unplugged
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    await strip_with_history.start()  # back, on the same address
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    # The recorder books the hour the strip came back in (the days away: 4 kWh).
    await write_live(
        hass,
        live_rows(local_midnight(1, today), 1, before[-1]["sum"] + 4.0, before[-1]["state"] + 4.0),
    )
    async_fire_time_changed(hass, dt_util.utcnow() + dt.timedelta(hours=4))
    await imported(hass)
    rows = await hourly(hass, KETTLE)
    gap_days = [d.date() for d in (local_midnight(n, today) for n in (4, 3, 2))]
    assert_gap_follows_the_meter(rows, recorded, gap_days, 4.05)


async def test_a_strip_a_day_behind_brings_its_history_to_the_right_days(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    clock = DeviceClock(error=dt.timedelta(days=-1))
    async with kitchen_strip(clock=clock).with_history(days=20) as sim:
        recorded = meter_days(sim)
        await add_strip(hass, sim)
        await imported(hass)
        energy = daily_energy(await hourly(hass, KETTLE))
        # The strip dated each day's energy a day early: Home Assistant shows it a day later.
        for strip_day, wh in recorded.items():
            if strip_day != min(recorded):  # the first hour has no row to count from
                day = strip_day + dt.timedelta(days=1)
                assert energy[day] == pytest.approx(wh / 1000, abs=1e-3), day
        assert dt_util.now().date() not in energy  # today is still running
        # The history is in: now the strip's clock is set to Home Assistant's, once (the poll
        # after the import sets it, maybe while the import was being awaited; the next reads it).
        for _ in range(3):
            await poll(hass)
        assert len(sim.clock_requests) == 1
        assert abs(sim.clock.error.total_seconds()) < 5
        offset = hass.states.get("sensor.kitchen_strip_clock_offset")
        assert abs(float(offset.state)) < 5


@pytest.mark.freeze_time("2026-11-18 10:58:00+00:00", tick=True)
async def test_the_recorders_hourly_sum_books_no_glitch_and_loses_no_reset(
    hass: HomeAssistant, freezer
) -> None:
    """An hour of the kettle with a zero answer, a spike and a power cut read three minutes late:
    the Energy dashboard's hour (the recorder's sum) is what the outlet really used."""
    from pytest_homeassistant_custom_component.components.recorder.common import (
        do_adhoc_statistics,
    )

    async with kitchen_strip() as sim:
        await add_strip(hass, sim)
        kettle = sim.outlets[0]
        used_at: dict[int, float] = {}  # the truth at the last poll before 11:00 and 12:00
        while dt_util.utcnow() < dt.datetime(2026, 11, 18, 12, 0, 30, tzinfo=dt.UTC):  # each minute
            now = dt_util.utcnow()
            used_at[now.hour] = kettle.used_wh
            if now.minute == 10:
                kettle.glitches.append(0)
            if now.minute == 20:
                kettle.glitches.append(kettle.total_wh * 10)
            if now.minute == 30:
                sim.silent = True
                sim.power_cut()
            if now.minute == 33:
                sim.silent = False
            freezer.tick(dt.timedelta(minutes=1))
            await poll(hass)
        await async_wait_recording_done(hass)
        for minutes in range(-5, 60, 5):  # 10:55 (the first state's hour) to 11:55
            start = dt.datetime(2026, 11, 18, 11, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
            do_adhoc_statistics(hass, start=start)
            await async_wait_recording_done(hass)
    rows = {
        dt_util.utc_from_timestamp(r["start"]).hour: r["sum"] for r in await hourly(hass, KETTLE)
    }
    assert rows[11] - rows[10] == pytest.approx((used_at[11] - used_at[10]) / 1000, abs=0.002)
    assert (used_at[11] - used_at[10]) / 1000 > 1.2  # most of an hour of 1.5 kW, cut included
