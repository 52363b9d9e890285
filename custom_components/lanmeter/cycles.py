"""Appliance cycles from one power stream: when a washer, dryer, dishwasher, kettle or oven
starts, and when it has finished, with nothing to configure. No Home Assistant import.

- **Standby** is learned from the readings while nothing runs (a slow average, so it follows a
  standby that creeps and ignores one odd reading).
- **Started**: two readings in a row clearly above standby (8 W more, or half its level again):
  one stray reading is not a cycle.
- **Still running**: any reading above a lower line (3 W over standby, or a quarter again), so a
  washer that soaks, a dishwasher between heat phases, a dryer's cool-down all keep it running.
- **Finished**: once nothing was above that line for the quiet period (5 minutes unless the
  device's own setting says otherwise): a washer's pauses are shorter, its end is not. The
  quiet period counts from the first reading that saw it low, not from the last one that saw
  it running: a sensor read once a minute saw a 4-minute soak as 5 minutes without activity.

The cycle's duration runs from its first to its last reading above the line; its energy is what
the readings add up to while it ran (each reading's power held until the next one).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .stored import StoredRecordError, record

QUIET_S = 300.0
START_OVER_W = 8.0
START_SHARE = 0.5
RUNNING_OVER_W = 3.0
RUNNING_SHARE = 0.25
STANDBY_WEIGHT = 0.1
START_READINGS = 2
# A reading this long after the last one says nothing about the time between (the device was
# away): no energy is added across it.
MAX_GAP_S = 900.0

STARTED = "cycle_started"
FINISHED = "cycle_finished"
EVENT_TYPES = [STARTED, FINISHED]


@dataclass(frozen=True)
class CycleEvent:
    event_type: str
    attributes: dict[str, Any]


@dataclass
class CycleTracker:
    """One device's cycles. `add` each power reading, `tick` when time passes without one."""

    standby_w: float | None = None
    started_at: float | None = None  # the first reading of the running cycle
    last_active_at: float | None = None  # its last reading above the running line
    quiet_since: float | None = None  # the first reading below it since then
    energy_wh: float = 0.0
    peak_w: float = 0.0
    above: int = 0  # readings in a row above the start line, while idle
    first_above_at: float | None = None
    last_w: float | None = None
    last_at: float | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"cycles": 0})

    @property
    def running(self) -> bool:
        return self.started_at is not None

    def start_line_w(self) -> float:
        standby = self.standby_w or 0.0
        return standby + max(START_OVER_W, START_SHARE * standby)

    def running_line_w(self) -> float:
        standby = self.standby_w or 0.0
        return standby + max(RUNNING_OVER_W, RUNNING_SHARE * standby)

    def finishes_at(self, quiet_s: float) -> float | None:
        """When the running cycle finishes if no reading rises again (None: not running). With
        no reading since the last active one (the device went quiet altogether), from that."""
        if self.last_active_at is None:
            return None
        return (self.quiet_since or self.last_active_at) + quiet_s

    def add(self, watts: float | None, at: float, quiet_s: float = QUIET_S) -> list[CycleEvent]:
        """One reading (None: the device could not be read) at `at` (seconds)."""
        events = self.tick(at, quiet_s)
        if watts is None or watts < 0 or (self.last_at is not None and at < self.last_at):
            return events  # unknown, nonsense or out of order: nothing learned from it
        if self.running:
            self._add_energy(at)
            if watts >= self.running_line_w():
                self.last_active_at, self.quiet_since = at, None
                self.peak_w = max(self.peak_w, watts)
            elif self.quiet_since is None:
                self.quiet_since = at
        elif watts >= self.start_line_w():
            self.above += 1
            if self.first_above_at is None:
                self.first_above_at = at
            if self.above >= START_READINGS:
                events.append(self._start(at, watts))
        else:
            self.above, self.first_above_at = 0, None
            self._learn_standby(watts)
        self.last_w, self.last_at = watts, at
        return events

    def tick(self, at: float, quiet_s: float = QUIET_S) -> list[CycleEvent]:
        """Time passed: the running cycle finishes once its quiet period is over."""
        finish = self.finishes_at(quiet_s)
        if finish is None or at < finish:
            return []
        return [self._finish()]

    def _start(self, at: float, watts: float) -> CycleEvent:
        assert self.first_above_at is not None and self.last_w is not None
        self.started_at = self.first_above_at
        self.energy_wh = self.last_w * max(0.0, at - self.first_above_at) / 3600
        self.last_active_at, self.peak_w = at, max(watts, self.last_w)
        self.above, self.first_above_at = 0, None
        return CycleEvent(STARTED, {"power_w": round(watts, 1)})

    def _finish(self) -> CycleEvent:
        assert self.started_at is not None and self.last_active_at is not None
        attributes = {
            "duration_s": round(self.last_active_at - self.started_at),
            "energy_kwh": round(self.energy_wh / 1000, 4),
            "peak_w": round(self.peak_w, 1),
        }
        self.counts["cycles"] += 1
        self.started_at = self.last_active_at = self.quiet_since = None
        self.energy_wh = self.peak_w = 0.0
        return CycleEvent(FINISHED, attributes)

    def _add_energy(self, at: float) -> None:
        if self.last_w is None or self.last_at is None:
            return
        elapsed = at - self.last_at
        if 0 < elapsed <= MAX_GAP_S:
            self.energy_wh += self.last_w * elapsed / 3600

    def _learn_standby(self, watts: float) -> None:
        if self.standby_w is None:
            self.standby_w = watts
        else:
            self.standby_w += STANDBY_WEIGHT * (watts - self.standby_w)

    # ----- stored across restarts --------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> CycleTracker:
        """From storage; StoredRecordError (a ValueError) if the record is not of this shape."""
        if isinstance(data, dict):
            data = {"quiet_since": None, **data}  # stored before it was kept
        tracker = record(cls, data, skip=("counts",))
        counts = tracker.counts
        if not isinstance(counts, dict) or not all(
            isinstance(v, int) and v >= 0 for v in counts.values()
        ):
            raise StoredRecordError(f"CycleTracker.counts: {str(counts)[:40]!r}")
        if tracker.running and tracker.last_active_at is None:
            raise StoredRecordError("CycleTracker: running without a last active reading")
        return tracker
