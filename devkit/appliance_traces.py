"""One appliance's power, reading by reading, with the truth of its cycles: the shapes that fool
simple "finished" detectors (a washer's soaks and spin, a dishwasher's heat phases, a dryer's
cool-down, a kettle, a standby that creeps). Seeded: the same seed gives the same trace.

Used by tests/test_cycles.py and the cycles benchmark (scripts/bench cycles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
import random

type Phase = tuple[float, float]  # (seconds, watts): a stretch at about that power


@dataclass(frozen=True)
class Cycle:
    start_s: float
    end_s: float  # the last moment above standby (a user's "it finished")
    longest_pause_s: float  # the longest low stretch inside the cycle


@dataclass(frozen=True)
class ApplianceTrace:
    name: str
    readings: list[tuple[float, float]]  # (seconds, watts)
    cycles: list[Cycle]
    interval_s: float


def _washer(rng: random.Random) -> list[Phase]:
    """Fill, heat, wash with soaks (drum still, ~2-4 W above standby), rinse, spin."""
    phases: list[Phase] = [(rng.uniform(60, 120), rng.uniform(8, 15))]  # fill: valve + board
    phases.append((rng.uniform(600, 1200), rng.uniform(1800, 2200)))  # heat
    for _ in range(rng.randint(3, 6)):
        phases.append((rng.uniform(120, 300), rng.uniform(150, 400)))  # tumble
        phases.append((rng.uniform(60, 240), rng.uniform(2.5, 4.5)))  # soak: nearly standby
    phases.append((rng.uniform(300, 600), rng.uniform(100, 250)))  # rinse
    phases.append((rng.uniform(60, 200), rng.uniform(3, 4)))  # drain pause
    phases.append((rng.uniform(300, 480), rng.uniform(350, 600)))  # spin
    return phases


def _dishwasher(rng: random.Random) -> list[Phase]:
    phases: list[Phase] = [(rng.uniform(120, 240), rng.uniform(30, 60))]  # fill, circulate
    for _ in range(2):
        phases.append((rng.uniform(600, 1200), rng.uniform(1800, 2100)))  # heat
        phases.append((rng.uniform(600, 1500), rng.uniform(30, 60)))  # circulate
        phases.append((rng.uniform(30, 180), rng.uniform(2.5, 4.5)))  # drain pause
    phases.append((rng.uniform(900, 1500), rng.uniform(4, 8)))  # fan drying
    return phases


def _dryer(rng: random.Random) -> list[Phase]:
    return [
        (rng.uniform(2400, 4200), rng.uniform(2200, 2800)),  # heat
        (rng.uniform(300, 600), rng.uniform(150, 250)),  # cool-down tumble
    ]


def _kettle(rng: random.Random) -> list[Phase]:
    return [(rng.uniform(120, 240), rng.uniform(1900, 2200))]


SHAPES: dict[str, Callable[[random.Random], list[Phase]]] = {
    "washer": _washer,
    "dishwasher": _dishwasher,
    "dryer": _dryer,
    "kettle": _kettle,
}


def make_trace(
    name: str, seed: int, cycles: int = 3, interval_s: float = 5.0, creep: bool = False
) -> ApplianceTrace:
    """`cycles` runs of the appliance with idle hours between; standby ~0.5 W with noise (with
    `creep`, standby drifts from 0.5 W to 4 W and back across the day, as a TV box does)."""
    rng = random.Random(f"{name}-{seed}")
    timeline: list[tuple[float, float]] = []  # (until second, watts); 0 W means standby
    truth: list[Cycle] = []
    t = rng.uniform(1800, 3600)
    timeline.append((t, 0.0))
    for _ in range(cycles):
        start = t
        longest_low = 0.0
        for seconds, watts in SHAPES[name](rng):
            t += seconds
            timeline.append((t, watts))
            if watts < 10:
                longest_low = max(longest_low, seconds)
        truth.append(Cycle(start, t, longest_low))
        t += rng.uniform(3600, 4 * 3600)
        timeline.append((t, 0.0))
    readings: list[tuple[float, float]] = []
    now, index = 0.0, 0
    while now < t:
        while timeline[index][0] <= now:
            index += 1
        level = timeline[index][1]
        standby = 0.5 + (3.5 * (0.5 - 0.5 * _cos_day(now)) if creep else 0.0)
        noise = rng.gauss(0, 0.1 + 0.01 * level)
        readings.append((now, round(max(0.0, standby + level + noise), 1)))
        now += interval_s
    return ApplianceTrace(name, readings, truth, interval_s)


def _cos_day(seconds: float) -> float:
    return math.cos(2 * math.pi * seconds / 86_400)


def standby_only(seed: int, hours: float = 48, interval_s: float = 5.0) -> ApplianceTrace:
    """A device that never runs: standby creeping 0.5 -> 4 W and back, with noise and a few
    one-reading spikes (a relay, a Wi-Fi module waking)."""
    rng = random.Random(f"standby-{seed}")
    readings = []
    now, spiked = 0.0, False
    while now < hours * 3600:
        level = 0.5 + 3.5 * (0.5 - 0.5 * _cos_day(now)) + rng.gauss(0, 0.15)
        spiked = not spiked and rng.random() < 0.002
        if spiked:
            level += rng.uniform(10, 40)  # a single odd reading (never two in a row)
        readings.append((now, round(max(0.0, level), 1)))
        now += interval_s
    return ApplianceTrace("standby", readings, [], interval_s)
