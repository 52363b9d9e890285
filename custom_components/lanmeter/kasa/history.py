"""An outlet's energy history (the strip's own daily meter) as hourly statistics rows.

Pure Python (no Home Assistant import). The rows end where Home Assistant's own statistics of the
outlet's energy total begin (the join), so the Energy dashboard shows the months before the strip
was added without a jump: each row's sum and state are the join's minus the energy used after it.
A day's energy is spread evenly over its hours, 23 or 25 when the clocks change (the meter
keeps no finer history).

The meter dates its records by the strip's own clock, which may be wrong (no NTP) or in another
zone: `on_home_calendar` moves them to Home Assistant's days by the measured offset (whole days),
and what is left of the offset (under 12 hours) shifts each day's span (`lead`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime as dt
import itertools

MONTHS_BACK = 3  # the current month and the two before it: about 90 days of daily history
MONTHLY_MONTHS_BACK = 12  # older months come from the monthly totals (get_monthstat)
HOURS_BACK_DAYS = 7  # a SMART plug keeps its hours for about a week


@dataclass(frozen=True)
class HistoryRow:
    """One hourly statistics row, ours to import or Home Assistant's own: the start of its hour
    (timezone-aware) and the totals at its end."""

    start: dt.datetime
    sum_kwh: float
    state_kwh: float


def months_to_read(today: dt.date, months: int = MONTHS_BACK) -> list[tuple[int, int]]:
    """(year, month) of this month and the ones before it, newest first."""
    year, month = today.year, today.month
    wanted = []
    for _ in range(months):
        wanted.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return wanted


def days_from_months(
    months: dict[tuple[int, int], float], days: dict[dt.date, float]
) -> dict[dt.date, float]:
    """Days for the months the meter kept only as a total, the total spread evenly over them.

    Only months without any daily record are used, so a day the meter recorded keeps its own
    value; the spread is a month's shape, right in the month's and year's totals.
    """
    with_days = {(day.year, day.month) for day in days}
    spread: dict[dt.date, float] = {}
    for (year, month), kwh in months.items():
        if (year, month) in with_days:
            continue
        first = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        length = (following - first).days
        for n in range(length):
            spread[first + dt.timedelta(days=n)] = kwh / length
    return spread


def on_home_calendar(
    days: dict[dt.date, float], offset: dt.timedelta
) -> tuple[dict[dt.date, float], dt.timedelta]:
    """The meter's days on Home Assistant's calendar, and their lead.

    `offset` is the strip's clock minus Home Assistant's (its wall time; 0 when right). A
    record the strip dated D covers Home Assistant's D - offset: whole days move the date, the
    rest (rounded to the hour, within +-12 h) is how long before Home Assistant's midnight each
    day's span starts.
    """
    hours = round(offset / dt.timedelta(hours=1))
    whole_days = round(hours / 24)
    lead = dt.timedelta(hours=hours - 24 * whole_days)
    shift = dt.timedelta(days=whole_days)
    return {day - shift: kwh for day, kwh in days.items()}, lead


def day_start(day: dt.date, tz: dt.tzinfo, lead: dt.timedelta = dt.timedelta(0)) -> dt.datetime:
    """When a (re-keyed) meter day starts, in UTC: local midnight less its lead."""
    return dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC) - lead


def hours_of(
    day: dt.date, tz: dt.tzinfo, lead: dt.timedelta = dt.timedelta(0)
) -> list[dt.datetime]:
    """The starts of a local day's hours, in UTC: 23 or 25 of them when the clocks change."""
    start = day_start(day, tz, lead)
    end = day_start(day + dt.timedelta(days=1), tz, lead)
    return [start + dt.timedelta(hours=n) for n in range((end - start) // dt.timedelta(hours=1))]


def day_of(start: dt.datetime, tz: dt.tzinfo, lead: dt.timedelta = dt.timedelta(0)) -> dt.date:
    """The (re-keyed) meter day an hour starting at `start` belongs to."""
    return (start + lead).astimezone(tz).date()


def hour_energy(
    day: dt.date,
    kwh: float,
    tz: dt.tzinfo,
    lead: dt.timedelta = dt.timedelta(0),
    hours: Mapping[dt.datetime, float] | None = None,
) -> list[float]:
    """A day's energy over its hours: in the meter's own hourly proportions where it kept every
    hour of that day (SMART plugs, about a week), else evenly. Either way the hours add up to
    the day's record exactly."""
    starts = hours_of(day, tz, lead)
    kept = [hours.get(start) for start in starts] if hours else []
    if kept and all(value is not None for value in kept):
        weights = [float(value or 0.0) for value in kept]
        if (weight := sum(weights)) > 0:
            return [kwh * value / weight for value in weights]
    return [kwh / len(starts)] * len(starts)


def rows_before(
    days: dict[dt.date, float],
    join_day: dt.date,
    energy_before_join_kwh: float,
    join_sum_kwh: float,
    join_state_kwh: float,
    tz: dt.tzinfo,
    lead: dt.timedelta = dt.timedelta(0),
    hours: Mapping[dt.datetime, float] | None = None,
) -> list[HistoryRow]:
    """Hourly rows for the days strictly before `join_day`, newest day last (`hours`: the
    meter's own hours, where it keeps them, shape each day).

    `energy_before_join_kwh` is what the outlet used on join_day before the join (the joined
    statistics do not hold it); the last row ends that much below the join's sum and state.
    """
    rows: list[HistoryRow] = []
    remaining = energy_before_join_kwh
    for day in sorted((d for d in days if d < join_day), reverse=True):
        starts = hours_of(day, tz, lead)
        energy = hour_energy(day, days[day], tz, lead, hours)
        for start, used in zip(reversed(starts), reversed(energy), strict=True):
            rows.append(
                HistoryRow(start, round(join_sum_kwh - remaining, 6), join_state_kwh - remaining)
            )
            remaining += used
        if day - dt.timedelta(days=1) not in days:
            break  # only a contiguous run of days ending at the join: no guessed gaps
    return list(reversed(rows))


def rows_in_gaps(
    days: dict[dt.date, float],
    existing: list[HistoryRow],
    tz: dt.tzinfo,
    lead: dt.timedelta = dt.timedelta(0),
    hours: Mapping[dt.datetime, float] | None = None,
) -> list[HistoryRow]:
    """Rows for the hours Home Assistant has no statistics for (it was down), between two of its
    own rows, shaped by the meter's daily energy.

    The recorder books everything used during a downtime into the first hour after it. The
    energy between the two rows is the truth (both come from the meter's running total); the
    days only say how it was spread, so the filled hours add up to exactly that energy and the
    hour after the gap keeps only its own share. A gap over a day the meter has no record of is
    left as it is. The meter's own hours (`hours`), where it keeps them, shape the gap instead.
    """
    hour = dt.timedelta(hours=1)
    rows: list[HistoryRow] = []
    for before, after in itertools.pairwise(existing):
        first, last = before.start.astimezone(dt.UTC), after.start.astimezone(dt.UTC)
        if last - first <= hour:
            continue
        energy = after.sum_kwh - before.sum_kwh
        starts = []
        start = first + hour
        while start <= last:
            starts.append(start)
            start += hour
        local_days = [day_of(s, tz, lead) for s in starts]
        if energy < 0 or any(day not in days for day in local_days):
            continue
        per_hour = {day: days[day] / len(hours_of(day, tz, lead)) for day in set(local_days)}
        kept = hours or {}
        weights = [
            kept.get(start, per_hour[day]) for start, day in zip(starts, local_days, strict=True)
        ]
        total_weight = sum(weights)
        if total_weight <= 0:
            continue
        used = 0.0
        for start, weight in zip(starts[:-1], weights, strict=False):
            used += energy * weight / total_weight
            rows.append(
                HistoryRow(
                    start,
                    round(before.sum_kwh + used, 6),
                    round(after.state_kwh - (energy - used), 6),
                )
            )
    return rows
