"""Seeded synthetic household power traces with known appliance events, and their scoring.

A trace is what the mains meter reports every `interval_s`: an always-on base, a cycling fridge,
kettle, toaster, microwave, oven (thermostat cycling), washer (heater plus a fluctuating motor),
TV and lamps (some near the step threshold), some overlapping and some switching a few seconds
apart, with noise of 1 % of the load + 3 W and motor inrush spikes. The truth is every on/off of
every appliance with its nominal size. Pure Python (no Home Assistant).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
import random
import statistics


@dataclass(frozen=True)
class TrueEvent:
    time: float
    size_w: float  # positive: on
    device: str


@dataclass
class Trace:
    interval_s: float
    readings: list[tuple[float, float]]  # (time, watts)
    truth: list[TrueEvent]


@dataclass
class _Load:
    """One appliance's power as a function of time (intervals when on)."""

    name: str
    watts: float
    runs: list[tuple[float, float]] = field(default_factory=list)
    inrush: float = 1.0  # first reading of a run multiplied by this (motors)
    fluctuation_w: float = 0.0  # extra noise while on (a washer's motor)

    def power(self, t: float, rng: random.Random) -> float:
        for start, end in self.runs:
            if start <= t < end:
                extra = rng.gauss(0, self.fluctuation_w) if self.fluctuation_w else 0.0
                return self.watts + extra
        return 0.0

    def in_inrush(self, t: float, interval_s: float) -> bool:
        """The first reading of a run, at most (readings are 4.5 to 5.5 s apart at 5 s)."""
        window = 0.8 * interval_s
        return self.inrush != 1.0 and any(start <= t < start + window for start, _ in self.runs)


def _schedule(
    rng: random.Random, hours: float, count: int, minutes: tuple[float, float]
) -> list[tuple[float, float]]:
    runs: list[tuple[float, float]] = []
    for _ in range(count * 20):
        if len(runs) == count:
            break
        start = rng.uniform(0.05, hours - 0.3) * 3600
        end = start + rng.uniform(*minutes) * 60
        if all(end + 120 < s or start > e + 120 for s, e in runs):
            runs.append((start, end))
    return sorted(runs)


def _separate(loads: list[_Load], gap_s: float) -> None:
    """No two changes inside one reading interval: no detector can tell those apart (a reading
    sees their sum). Later changes are moved a little later."""
    changes = sorted(
        ((t, load, index, edge) for load in loads for index, run in enumerate(load.runs)
         for edge, t in enumerate(run)),
        key=lambda change: change[0],
    )  # fmt: skip
    last = -gap_s
    for t, load, index, edge in changes:
        moved = max(t, last + gap_s)
        start, end = load.runs[index]
        load.runs[index] = (moved, end) if edge == 0 else (start, max(moved, start + gap_s))
        last = moved


def make_trace(
    seed: int,
    interval_s: float = 5.0,
    hours: float = 8.0,
    *,
    fluctuating_washer: bool = True,
    lamps_near_threshold: bool = True,
    household: int | None = None,
    start_s: float = 0.0,
) -> Trace:
    """A trace of `hours` from `start_s`. `household` fixes the appliances' sizes (one home's
    kettle is always the same kettle: days of one household share it); without it the seed
    draws them."""
    rng = random.Random(seed)
    loads = [
        _Load("fridge", 120.0, inrush=3.0),
        _Load("kettle", rng.uniform(1900, 2300)),
        _Load("toaster", rng.uniform(800, 1000)),
        _Load("microwave", rng.uniform(1100, 1300), inrush=1.6),
        _Load("oven", rng.uniform(2200, 2600)),
        _Load("washer_heater", 2000.0),
        _Load("washer_motor", 350.0, inrush=2.0, fluctuation_w=40.0 if fluctuating_washer else 0),
        _Load("tv", rng.uniform(90, 140)),
        _Load("lamp", 60.0),
    ]
    by_name = {load.name: load for load in loads}
    if household is not None:
        sizes = random.Random(household)
        for name, low, high in (
            ("kettle", 1900, 2300), ("toaster", 800, 1000), ("microwave", 1100, 1300),
            ("oven", 2200, 2600), ("tv", 90, 140),
        ):  # fmt: skip
            by_name[name].watts = sizes.uniform(low, high)
    # The fridge cycles all day; the others run a few times.
    period = rng.uniform(45, 60) * 60
    start = rng.uniform(0, period)
    while start < hours * 3600:
        by_name["fridge"].runs.append((start, start + period * rng.uniform(0.3, 0.4)))
        start += period
    by_name["kettle"].runs = _schedule(rng, hours, 6, (2.5, 4))
    by_name["toaster"].runs = _schedule(rng, hours, 3, (2, 4))
    by_name["microwave"].runs = _schedule(rng, hours, 4, (1.5, 5))
    by_name["tv"].runs = _schedule(rng, hours, 2, (60, 120))
    by_name["lamp"].runs = _schedule(rng, hours, 3, (30, 90))
    oven_start = rng.uniform(1, hours - 2) * 3600
    t = oven_start
    while t < oven_start + 3600:  # thermostat cycling for an hour
        on = rng.uniform(4, 8) * 60
        by_name["oven"].runs.append((t, t + on))
        t += on + rng.uniform(3, 6) * 60
    washer_start = rng.uniform(0.5, hours - 1.5) * 3600
    by_name["washer_heater"].runs = [(washer_start + 120, washer_start + 120 + 15 * 60)]
    by_name["washer_motor"].runs = [(washer_start, washer_start + 50 * 60)]
    # Two appliances switching a few seconds apart (in different readings): kettle then toaster.
    kettle_start, _ = by_name["kettle"].runs[0]
    gap = rng.uniform(1.2, 1.8) * interval_s
    by_name["toaster"].runs.append((kettle_start + gap, kettle_start + gap + 150))
    by_name["toaster"].runs.sort()
    if lamps_near_threshold:
        by_name["reading_lamp"] = _Load("reading_lamp", rng.uniform(36, 45))
        by_name["reading_lamp"].runs = _schedule(rng, hours, 3, (20, 60))
        loads.append(by_name["reading_lamp"])

    _separate(loads, 1.2 * interval_s)

    base = rng.uniform(120, 250)
    readings = []
    steps = int(hours * 3600 / interval_s)
    for n in range(steps):
        t = n * interval_s + rng.uniform(0, 0.5)
        load = base + 5 * rng.random()  # standby drift
        for appliance in loads:
            p = appliance.power(t, rng)
            if p and appliance.in_inrush(t, interval_s):
                p *= appliance.inrush
            load += p
        readings.append((t, round(load + rng.gauss(0, 0.01 * load + 3), 1)))

    truth = sorted(
        (
            event
            for appliance in loads
            for start, end in appliance.runs
            for event in (
                TrueEvent(start, appliance.watts, appliance.name),
                TrueEvent(end, -appliance.watts, appliance.name),
            )
            if event.time < hours * 3600
        ),
        key=lambda e: e.time,
    )
    if start_s:
        readings = [(t + start_s, watts) for t, watts in readings]
        truth = [TrueEvent(e.time + start_s, e.size_w, e.device) for e in truth]
    return Trace(interval_s, readings, truth)


@dataclass(frozen=True)
class Detected:
    time: float  # when the event was reported
    size_w: float


@dataclass
class Score:
    truths: int
    events: int
    matched: int
    latencies: list[float]

    @property
    def recall(self) -> float:
        return self.matched / self.truths if self.truths else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.events if self.events else 1.0

    def latency(self, quantile: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]

    @property
    def median_latency(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    def __add__(self, other: Score) -> Score:
        return Score(
            self.truths + other.truths,
            self.events + other.events,
            self.matched + other.matched,
            self.latencies + other.latencies,
        )


MATCH_WINDOW_S = 120  # an event later than this after the change is not its report


def score(truth: Iterable[TrueEvent], detected: list[Detected]) -> Score:
    """An event matches a true change when it has the same direction, comes after it (within
    MATCH_WINDOW_S) and its step is within max(30 W, 15 %) of the true size; each once."""
    truths = list(truth)
    free = sorted(detected, key=lambda d: d.time)
    used: set[int] = set()
    latencies: list[float] = []
    for event in truths:
        tolerance = max(30.0, 0.15 * abs(event.size_w))
        for index, found in enumerate(free):
            if index in used or found.time < event.time:
                continue
            if found.time > event.time + MATCH_WINDOW_S:
                break
            if (found.size_w > 0) == (event.size_w > 0) and abs(
                found.size_w - event.size_w
            ) <= tolerance:
                used.add(index)
                latencies.append(found.time - event.time)
                break
    return Score(len(truths), len(detected), len(used), latencies)


def run_detector(trace: Trace, add: Callable[[float, float], object]) -> list[Detected]:
    """Feed a detector directly (no Home Assistant): for quick checks and tests."""
    found = []
    for t, watts in trace.readings:
        step = add(watts, t)
        if step is not None:
            found.append(Detected(t, step.size_w))  # type: ignore[attr-defined]
    return found


class LegacyStepDetector:
    """The detector LAN Meter used before (a fixed 2 %-of-load band and an 8 s hold), kept here
    only so the benchmark can show both side by side."""

    def __init__(self, threshold_w: float = 30.0, settle_s: float = 8.0) -> None:
        self.threshold_w = threshold_w
        self.settle_s = settle_s
        self.steady_w: float | None = None
        self._candidate: list[tuple[float, float]] = []

    @property
    def band_w(self) -> float:
        return max(self.threshold_w / 2, 0.02 * abs(self.steady_w or 0.0))

    def add(self, value: float, now: float):
        from custom_components.lanmeter.home.breakdown import Step

        if self.steady_w is None:
            self.steady_w = value
            return None
        if abs(value - self.steady_w) <= self.band_w:
            self._candidate.clear()
            return None
        if self._candidate and abs(value - self._level()) > self.band_w:
            self._candidate.clear()
        self._candidate.append((now, value))
        lasted = now - self._candidate[0][0]
        if len(self._candidate) < 2 or lasted < self.settle_s:
            return None
        level = self._level()
        step = Step(self._candidate[0][0], level - self.steady_w, self.steady_w, level)
        self.steady_w = level
        self._candidate.clear()
        return step if abs(step.size_w) >= self.threshold_w else None

    def _level(self) -> float:
        return sum(v for _, v in self._candidate) / len(self._candidate)
