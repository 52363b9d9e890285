"""The whole-home maths, pure Python: Always On, Other, step detection and step pairing.

- Always On is the 1st percentile of home power over a rolling 24 h window, time-weighted (a value
  counts for as long as it held), kept in 96 quarter-hour slots of 5 W bins: memory is bounded
  whatever the update rate, and old slots simply fall out of the window.
- A step is a change between two steady levels that lasts: a new level must hold (within half the
  threshold, or 2 % of the level) for `settle_s` and two readings before it counts (hysteresis
  against noise).
- Steps up and down of matching size are paired (Hart 1985): within 35 W, or 3.5 % above 1 kW.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import math
from typing import Any

SLOT_S = 900
WINDOW_S = 24 * 3600
BIN_W = 5.0
PERCENTILE = 0.01
MIN_COVERAGE_S = 3600  # Always On stays unknown until an hour of data is in the window
# A value older than this is not trusted to have held (sensor silent, Home Assistant stopped).
MAX_HOLD_S = 600


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
    """Finds lasting steps in a power signal, ignoring noise smaller than half the threshold."""

    def __init__(self, threshold_w: float = 30.0, settle_s: float = 8.0) -> None:
        self.threshold_w = threshold_w
        self.settle_s = settle_s
        self.steady_w: float | None = None
        self._candidate: list[tuple[float, float]] = []  # (time, value) of a possible new level

    @property
    def band_w(self) -> float:
        """Noise allowed around a level: half the threshold, or 2 % of the level when the house
        draws kilowatts (appliances fluctuate in proportion to what they draw)."""
        return max(self.threshold_w / 2, 0.02 * abs(self.steady_w or 0.0))

    def add(self, value: float, now: float) -> Step | None:
        if self.steady_w is None:
            self.steady_w = value
            return None
        if abs(value - self.steady_w) <= self.band_w:
            self._candidate.clear()  # back to (or still at) the steady level
            return None
        if self._candidate and abs(value - self._level()) > self.band_w:
            self._candidate.clear()  # still moving: start the candidate again here
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


class StepPairer:
    """Pairs each step down with the latest open step up of matching size."""

    def __init__(self, max_open: int = 32) -> None:
        self.open: deque[OpenRun] = deque(maxlen=max_open)  # bounded: unmatched ups age out

    def step_up(self, step: Step, device: str) -> None:
        self.open.append(OpenRun(step, device))

    def step_down(self, step: Step, device: str) -> FinishedRun | None:
        for run in reversed(self.open):
            if (device == "unknown" or run.device in (device, "unknown")) and steps_match(
                run.step.size_w, step.size_w
            ):
                self.open.remove(run)
                on_time = step.time - run.step.time
                power = (run.step.size_w + abs(step.size_w)) / 2
                return FinishedRun(
                    run.device if run.device != "unknown" else device,
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
        """The device whose change matches the step in size and time, or "unknown"."""
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
        return best.entity_id if best else "unknown"
