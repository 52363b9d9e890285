"""The whole-home maths, pure Python: Always On, Other, step detection and step pairing.

- Always On is the 1st percentile of home power over a rolling 24 h window, time-weighted (a value
  counts for as long as it held), kept in 96 quarter-hour slots of 5 W bins: memory is bounded
  whatever the update rate, and old slots simply fall out of the window.
- A step is a change between two steady levels that lasts: two readings in a row that agree, away
  from the level by more than the threshold and the noise measured at that level (StepDetector).
- Steps up and down of matching size are paired (Hart 1985): within 35 W, or 3.5 % above 1 kW.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import math
import statistics
from typing import Any

SLOT_S = 900
WINDOW_S = 24 * 3600
BIN_W = 5.0
PERCENTILE = 0.01
MIN_COVERAGE_S = 3600  # Always On stays unknown until an hour of data is in the window
# A value older than this is not trusted to have held (sensor silent, Home Assistant stopped).
MAX_HOLD_S = 600
# The device of a step no known device explains: the value of appliance events' "device"
# attribute that automations compare with, spelled here once.
UNKNOWN_DEVICE = "unknown"


@dataclass
class RollingPercentile:
    """Time-weighted percentile of a signal over a rolling window, in bounded memory."""

    slots: dict[int, dict[int, float]] = field(default_factory=dict)  # slot -> bin -> seconds
    last_value: float | None = None
    last_time: float | None = None

    def add(self, value: float | None, now: float) -> None:
        """Credit the previous value with the time it held, then hold this one (None: a gap)."""
        if self.last_value is not None and self.last_time is not None:
            start = max(self.last_time, now - MAX_HOLD_S)
            self._credit(self.last_value, start, now)
        self.last_value = value
        self.last_time = now
        oldest = int((now - WINDOW_S) // SLOT_S)
        for slot in [s for s in self.slots if s <= oldest]:
            del self.slots[slot]

    def _credit(self, value: float, start: float, end: float) -> None:
        bin_index = math.floor(value / BIN_W)
        while start < end:
            slot = int(start // SLOT_S)
            slot_end = min(end, (slot + 1) * SLOT_S)
            bins = self.slots.setdefault(slot, {})
            bins[bin_index] = bins.get(bin_index, 0.0) + (slot_end - start)
            start = slot_end

    @property
    def coverage_s(self) -> float:
        return sum(sum(bins.values()) for bins in self.slots.values())

    def value(self, percentile: float = PERCENTILE) -> float | None:
        """The percentile (lower edge of its 5 W bin), or None until the window has an hour."""
        total = self.coverage_s
        if total < MIN_COVERAGE_S:
            return None
        merged: dict[int, float] = {}
        for bins in self.slots.values():
            for bin_index, seconds in bins.items():
                merged[bin_index] = merged.get(bin_index, 0.0) + seconds
        target = total * percentile
        running = 0.0
        for bin_index in sorted(merged):
            running += merged[bin_index]
            if running >= target:
                return max(0.0, bin_index * BIN_W)
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "slots": {
                str(slot): {str(b): v for b, v in bins.items()} for slot, bins in self.slots.items()
            },
            "last_value": self.last_value,
            "last_time": self.last_time,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RollingPercentile:
        if not data:
            return cls()
        slots = {
            int(s): {int(b): float(v) for b, v in bins.items()}
            for s, bins in data.get("slots", {}).items()
        }
        return cls(slots, data.get("last_value"), data.get("last_time"))


@dataclass
class DailyLevels:
    """Always On as it stood at the end of each of the last days, for "higher than usual": the
    median of the 7 days before today (None until 3 days are known)."""

    days: dict[str, float] = field(default_factory=dict)  # ISO date -> last value that day

    DAYS_KEPT = 8
    DAYS_NEEDED = 3

    def record(self, day: str, value: float) -> None:
        self.days[day] = value
        for old in sorted(self.days)[: -self.DAYS_KEPT]:
            del self.days[old]

    def typical(self, today: str) -> float | None:
        before = [value for day, value in sorted(self.days.items()) if day < today][-7:]
        if len(before) < self.DAYS_NEEDED:
            return None
        return round(statistics.median(before), 1)

    def as_dict(self) -> dict[str, Any]:
        return {"days": dict(self.days)}

    @classmethod
    def from_dict(cls, data: Any) -> DailyLevels:
        """From storage; ValueError, TypeError or KeyError for a malformed record."""
        days = {str(day): float(value) for day, value in dict(data["days"]).items()}
        if any(not math.isfinite(v) for v in days.values()):
            raise ValueError("a day's level is not a number")
        return cls(days)


def other_power(home_w: float, tracked_w: float, always_on_w: float | None) -> float:
    """What neither known devices nor the always-on base explain; never below zero."""
    return max(0.0, home_w - tracked_w - (always_on_w or 0.0))


def steps_match(up_w: float, down_w: float) -> bool:
    """Hart's pairing tolerance: 35 W, or 3.5 % of the step above 1 kW."""
    size = max(abs(up_w), abs(down_w))
    tolerance = max(35.0, 0.035 * size) if size > 1000 else 35.0
    return abs(abs(up_w) - abs(down_w)) <= tolerance


@dataclass(frozen=True)
class Step:
    """A lasting change between steady levels: positive = something turned on."""

    time: float
    size_w: float
    before_w: float
    after_w: float


class StepDetector:
    """Finds lasting steps in a power signal, promptly, at any load.

    The noise is measured online at the current level: a robust spread (median absolute
    deviation) of the recent readings at that level; until enough are in, the previous level's
    noise or a floor of 3 W + 1 % of the level. A reading further than Z_DEPART noise widths
    (and half the threshold) from the level starts a candidate level. Readings that agree with
    the candidate's mean join it; it becomes a step once its mean (of two readings or more) is at
    least the threshold away from the level and clearly outside the noise (Z_STEP widths of the
    difference of two means): two or three readings for a big step, a few more for a small one
    at a noisy level. A first reading that the next ones disagree with was a spike (motor inrush)
    and is dropped; a first reading followed by a further jump the same way was a level of its
    own (two appliances switching a few seconds apart): both are steps.
    """

    Z_DEPART = 2.5
    Z_AGREE = 3.0
    Z_STEP = 4.0
    Z_SIZE = 1.5  # a step is reported once its size is known to within ~15 % (or the threshold)
    WINDOW = 24  # readings at the current level kept for the noise estimate
    MIN_SAMPLES = 6
    MAX_CANDIDATE = 8  # readings a candidate may take to prove itself

    def __init__(self, threshold_w: float = 30.0, settle_s: float = 0.0) -> None:
        self.threshold_w = threshold_w
        self.settle_s = settle_s  # optional: a new level must also last this long
        self.steady_w: float | None = None
        self._level: deque[float] = deque(maxlen=self.WINDOW)
        self._candidate: list[tuple[float, float]] = []  # (time, value) away from the level
        self._after_spike = False  # the candidate restarted after a reading that did not last
        self._noise_w = 0.0

    @property
    def noise_w(self) -> float:
        """One noise width (a standard deviation) at the current level."""
        return self._noise_w

    def _floor(self) -> float:
        return 3.0 + 0.01 * abs(self.steady_w or 0.0)

    def _settle(self, values: list[float]) -> None:
        """Start a new level from these readings (the old level's noise stays as a prior)."""
        self._level.clear()
        self._level.extend(values)
        self._update_level()

    def _update_level(self) -> None:
        values = sorted(self._level)
        middle = values[len(values) // 2]
        self.steady_w = middle if len(values) % 2 else (values[len(values) // 2 - 1] + middle) / 2
        floor = self._floor()
        if len(values) >= self.MIN_SAMPLES:
            deviations = sorted(abs(v - self.steady_w) for v in values)
            mad = deviations[len(deviations) // 2] * 1.4826
            self._noise_w = max(mad, 0.5 * floor)
        elif len(values) >= 2:
            # Few readings yet: their spread (inflated: small samples understate it), the last
            # level's noise and the floor, whichever is largest.
            spread = statistics.stdev(values) * 1.5
            self._noise_w = max(floor, self._noise_w, spread)
        else:
            self._noise_w = max(floor, self._noise_w)

    def add(self, value: float, now: float) -> Step | None:
        if self.steady_w is None:
            self._settle([value])
            return None
        level, noise = self.steady_w, self._noise_w
        near_level = abs(value - level) <= max(self.Z_DEPART * noise, self.threshold_w / 2)
        if near_level and self._candidate:
            # Noise scatters a small step's readings: one nearer the candidate than the level
            # still counts for it.
            mean = sum(v for _, v in self._candidate) / len(self._candidate)
            near_level = abs(value - level) <= abs(value - mean)
        if near_level:
            self._candidate.clear()  # at the level: a spike (if any) is over
            self._after_spike = False
            self._level.append(value)
            self._update_level()
            return None
        self._candidate.append((now, value))
        if len(self._candidate) == 1:
            return None
        values = [v for _, v in self._candidate]
        # Readings at the candidate level are as noisy as that level is (more at kilowatts).
        candidate_noise = max(noise, 3.0 + 0.01 * abs(value))
        agree = max(self.Z_AGREE * candidate_noise, self.threshold_w / 2)
        earlier = sum(values[:-1]) / (len(values) - 1)
        if abs(value - earlier) > agree:
            return self._disagreement(level)
        if now - self._candidate[0][0] < self.settle_s:
            return None
        mean = sum(values) / len(values)
        size = mean - level
        spread = math.sqrt(noise**2 / len(self._level) + candidate_noise**2 / len(values))
        if abs(size) < max(self.threshold_w, self.Z_STEP * spread):
            if len(values) >= self.MAX_CANDIDATE:
                self._candidate.clear()  # a drift or a wobble, not a step
            return None
        precise = self.Z_SIZE * spread <= max(self.threshold_w, 0.15 * abs(size))
        if not precise and len(values) < self.MAX_CANDIDATE:
            return None  # a small step at a noisy level: a few more readings for its size
        start = self._candidate[0][0]
        self._candidate.clear()
        self._after_spike = False
        self._settle(values)
        return Step(start, size, level, mean)

    def _disagreement(self, level: float) -> Step | None:
        """The newest reading left the candidate level: a spike before it, or a staircase."""
        (t1, first), (t2, second) = self._candidate[-2], self._candidate[-1]
        up_first, then = first - level, second - first
        clear = max(self.threshold_w, self.Z_STEP * self._noise_w)  # a level, not a noisy read
        # Two changes a reading apart: a staircase (both the same way), or something switching
        # off and then something else on. Only a jump up can be a spike (a motor's inrush).
        if (
            len(self._candidate) == 2
            and not self._after_spike
            and abs(up_first) >= clear
            and abs(then) >= self.threshold_w
            and ((up_first > 0) == (then > 0) or up_first < 0)
        ):
            self._settle([first])
            self._candidate = [(t2, second)]
            return Step(t1, up_first, level, first)
        self._candidate = [(t2, second)]
        self._after_spike = True
        return None


@dataclass
class OpenRun:
    """An appliance that stepped up and has not stepped down yet."""

    step: Step
    device: str


@dataclass(frozen=True)
class FinishedRun:
    device: str
    on_time_s: float
    energy_wh: float

    @property
    def size_w(self) -> float:
        """Its mean power over the run (0 for a run of no length)."""
        return self.energy_wh * 3600 / self.on_time_s if self.on_time_s else 0.0


class StepPairer:
    """Pairs each step down with the latest open step up of matching size."""

    def __init__(self, max_open: int = 32) -> None:
        self.open: deque[OpenRun] = deque(maxlen=max_open)  # bounded: unmatched ups age out

    def step_up(self, step: Step, device: str) -> None:
        self.open.append(OpenRun(step, device))

    def step_down(self, step: Step, device: str) -> FinishedRun | None:
        for run in reversed(self.open):
            if (device == UNKNOWN_DEVICE or run.device in (device, UNKNOWN_DEVICE)) and steps_match(
                run.step.size_w, step.size_w
            ):
                self.open.remove(run)
                on_time = step.time - run.step.time
                power = (run.step.size_w + abs(step.size_w)) / 2
                return FinishedRun(
                    run.device if run.device != UNKNOWN_DEVICE else device,
                    on_time,
                    power * on_time / 3600,
                )
        return None


@dataclass
class DeviceChange:
    time: float
    entity_id: str
    delta_w: float


class DeviceChanges:
    """Recent power changes of known devices, to name the device behind a mains step."""

    def __init__(self, window_s: float = 15.0) -> None:
        self.window_s = window_s
        self.changes: deque[DeviceChange] = deque(maxlen=256)

    def add(self, entity_id: str, delta_w: float, now: float) -> None:
        self.changes.append(DeviceChange(now, entity_id, delta_w))

    def match(self, step: Step) -> str:
        """The device whose change matches the step in size and time, or UNKNOWN_DEVICE."""
        best: DeviceChange | None = None
        for change in self.changes:
            if abs(change.time - step.time) > self.window_s:
                continue
            if (change.delta_w > 0) != (step.size_w > 0) or not steps_match(
                change.delta_w, step.size_w
            ):
                continue
            if best is None or abs(change.delta_w - step.size_w) < abs(best.delta_w - step.size_w):
                best = change
        return best.entity_id if best else UNKNOWN_DEVICE
