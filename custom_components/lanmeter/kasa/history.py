"""An outlet's energy history (the strip's own daily meter) as hourly statistics rows.

Pure Python (no Home Assistant import). The rows end where Home Assistant's own statistics of the
outlet's energy total begin (the join), so the Energy dashboard shows the months before the strip
was added without a jump: each row's sum and state are the join's minus the energy used after it.
A day's energy is spread evenly over its hours (the meter keeps no finer history).
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt

MONTHS_BACK = 3  # the current month and the two before it: about 90 days of daily history


@dataclass(frozen=True)
class HistoryRow:
    start: dt.datetime  # the hour's start, timezone-aware
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


def rows_before(
    days: dict[dt.date, float],
    join_day: dt.date,
    energy_before_join_kwh: float,
    join_sum_kwh: float,
    join_state_kwh: float,
    tz: dt.tzinfo,
) -> list[HistoryRow]:
    """Hourly rows for the days strictly before `join_day`, newest day last.

    `energy_before_join_kwh` is what the outlet used on join_day before the join (the joined
    statistics do not hold it); the last row ends that much below the join's sum and state.
    """
    rows: list[HistoryRow] = []
    remaining = energy_before_join_kwh
    for day in sorted((d for d in days if d < join_day), reverse=True):
        per_hour = days[day] / 24
        for hour in range(23, -1, -1):
            start = dt.datetime.combine(day, dt.time(hour), tz)
            rows.append(
                HistoryRow(start, round(join_sum_kwh - remaining, 6), join_state_kwh - remaining)
            )
            remaining += per_hour
        if day - dt.timedelta(days=1) not in days:
            break  # only a contiguous run of days ending at the join: no guessed gaps
    return list(reversed(rows))
