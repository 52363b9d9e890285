"""Demo only: a month of generated hourly statistics for the simulated Glow meter and Flume water.

A new user's Energy dashboard starts empty; the demo should open on one with history. Kasa strips
bring their own (the strips' meters keep it, LAN Meter imports it: a real feature). The simulated
CAD and Flume bridge have no history to give, so the demo writes a plausible month itself, before
Home Assistant records any statistics of its own for them. It is demo data: the demo says so in
its log and on its dashboard, and never touches a statistic that already has rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import datetime as dt
import random
from typing import Any

DAYS = 30


@dataclass(frozen=True)
class Profile:
    """How a home uses something over a day: relative use per hour of the day."""

    unit_class: str
    per_hour: tuple[float, ...]  # 24 weights
    day_spread: float  # how much one day differs from another (0.2 = +-20 %)


# A UK home's electricity: low overnight, a morning and a bigger evening peak.
ELECTRICITY = Profile(
    "energy",
    (3, 2.5, 2.5, 2.5, 2.5, 3, 5, 8, 7, 5, 4.5, 4.5, 5, 4.5, 4.5, 5, 6.5, 9, 10, 9.5, 8, 6.5, 5, 4),
    0.2,
)
# Gas heating: the boiler's morning and evening runs, little in between.
GAS = Profile(
    "volume",
    (0.5, 0.5, 0.5, 0.5, 0.5, 2, 9, 10, 6, 2, 1.5, 1.5, 1.5, 1.5, 1.5, 2, 5, 8, 9, 8, 6, 4, 2, 1),
    0.3,
)
# Water: showers in the morning, cooking and washing up in the evening, little overnight.
WATER = Profile(
    "volume",
    (0.2, 0.1, 0.1, 0.1, 0.2, 1, 6, 9, 5, 2, 1.5, 1.5, 2, 1.5, 1.5, 1.5, 2, 3, 5, 4, 3, 2, 1, 0.5),
    0.35,
)

# The sensors the demo fills (by unique-id suffix), their profile and average use per hour in
# the sensor's own unit (the Glow simulator's registers rise 0.6 kWh and 0.18 m3 per hour).
DEMO_SERIES: dict[str, tuple[Profile, dict[str, float]]] = {
    "_electricity_imported": (ELECTRICITY, {"kWh": 0.6}),
    "_gas_volume": (GAS, {"m³": 0.18}),
    "_water_total": (WATER, {"L": 15.0, "m³": 0.015, "gal": 4.0}),
}


def hourly_use(
    profile: Profile, mean_per_hour: float, starts: list[dt.datetime], seed: str
) -> list[float]:
    """Use per hour for the given local hour starts, averaging `mean_per_hour`."""
    rng = random.Random(seed)
    day_factor: dict[dt.date, float] = {}
    raw = []
    for start in starts:
        factor = day_factor.setdefault(
            start.date(), 1 + rng.uniform(-profile.day_spread, profile.day_spread)
        )
        raw.append(profile.per_hour[start.hour] * factor * rng.uniform(0.8, 1.2))
    scale = mean_per_hour * len(raw) / sum(raw)
    return [value * scale for value in raw]


def demo_rows(
    profile: Profile,
    mean_per_hour: float,
    current_state: float,
    now: dt.datetime,
    seed: str,
    days: int = DAYS,
) -> list[dict[str, Any]]:
    """Hourly rows for the `days` before the current hour, ending at the sensor's state now (so
    the statistics Home Assistant compiles next continue them without a jump)."""
    this_hour = now.replace(minute=0, second=0, microsecond=0)
    first = this_hour.astimezone(dt.UTC) - dt.timedelta(days=days)
    starts = [(first + dt.timedelta(hours=n)).astimezone(now.tzinfo) for n in range(days * 24)]
    use = hourly_use(profile, mean_per_hour, starts, seed)
    total = sum(use)
    rows = []
    running = 0.0
    for start, value in zip(starts, use, strict=True):
        running += value
        rows.append(
            {
                "start": start.isoformat(),
                "sum": round(running, 4),
                "state": round(current_state - total + running, 4),
            }
        )
    return rows


async def import_demo_history(
    entities: list[str],
    state_of: Callable[[str], Any],
    has_statistics: Callable[[str], Any],
    send: Callable[[dict[str, Any]], Any],
    now: dt.datetime,
) -> list[str]:
    """Import a month for each demo sensor that has no statistics yet; return what was filled.

    `state_of(entity_id)` returns the entity's state object, `has_statistics(entity_id)` whether
    the recorder already holds rows for it, `send(message)` sends one websocket command.
    """
    filled = []
    for entity_id in entities:
        series = next(
            (value for suffix, value in DEMO_SERIES.items() if entity_id.endswith(suffix)), None
        )
        if series is None:
            continue
        profile, means = series
        for _ in range(60):  # a push device's first report can take a while
            state = await state_of(entity_id)
            with contextlib.suppress(TypeError, ValueError):
                current = float(state["state"])
                break
            await asyncio.sleep(1)
        else:
            continue  # never reported: no value to join the history to
        unit = state["attributes"].get("unit_of_measurement")
        if unit not in means or await has_statistics(entity_id):
            continue
        rows = demo_rows(profile, means[unit], current, now, seed=entity_id)
        await send(
            {
                "type": "recorder/import_statistics",
                "metadata": {
                    "mean_type": 0,
                    "has_sum": True,
                    "name": None,
                    "source": "recorder",
                    "statistic_id": entity_id,
                    "unit_class": profile.unit_class,
                    "unit_of_measurement": unit,
                },
                "stats": rows,
            }
        )
        filled.append(entity_id)
    return filled
