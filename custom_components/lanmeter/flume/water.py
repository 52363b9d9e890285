"""Volume, flow rate and leak rules from the Flume's pulse counter (pure Python).

Flow rate from a pulse counter: at low flow one pulse arrives every 15-30 s, so "no new pulse in
this batch" is not "no flow". The rate is the pulses between the last two counter changes over the
time between them, capped by 1 pulse / (time since the last change): had the flow been faster, a
pulse would have arrived by now. After ZERO_AFTER_S without a pulse the flow is zero. All times
are the device's timestamps, so batches (every ~30 s) and replays give the same answer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..stored import record
from .messages import PulseSample

ZERO_AFTER_S = 90  # slower than a pulse per 90 s is not flow the sensor can tell apart from none
LITERS_PER_GALLON = 3.785411784


@dataclass
class PulseMeter:
    """The cumulative counter, kept monotonic, and the timing of its last two changes."""

    counter: int | None = None
    last_time: float | None = None  # newest sample time seen
    change_time: float | None = None
    change_counter: int | None = None
    prev_change_time: float | None = None
    prev_change_counter: int | None = None
    reset_offset: int = 0  # pulses counted before the sensor restarted its counter
    out_of_order: int = 0
    went_backwards: int = 0

    @property
    def pulses(self) -> int | None:
        """All pulses ever counted, across sensor restarts."""
        return None if self.counter is None else self.reset_offset + self.counter

    def add(self, sample: PulseSample) -> bool:
        """Apply one sample; False (and counted) if it is older than what we have or lower."""
        if self.last_time is not None and sample.timestamp <= self.last_time:
            self.out_of_order += 1
            return False
        if self.counter is not None and sample.counter < self.counter:
            if sample.counter >= self.counter // 2:
                # A cumulative counter does not go back: a bad or replayed value. Ignore it.
                self.went_backwards += 1
                return False
            # Far lower: the sensor restarted from zero (battery change). Carry the count over.
            self.reset_offset += self.counter
            self.change_counter = self.prev_change_counter = None
            self.change_time = self.prev_change_time = None
        self.last_time = sample.timestamp
        if self.counter is None or self.change_counter is None:
            self.counter = sample.counter
            self.change_time, self.change_counter = sample.timestamp, sample.counter
            return True
        if sample.counter > self.counter:
            self.prev_change_time, self.prev_change_counter = self.change_time, self.change_counter
            self.change_time, self.change_counter = sample.timestamp, sample.counter
        self.counter = sample.counter
        return True

    def pulses_per_s(self) -> float | None:
        """The flow in pulses per second at the newest sample time (None until known)."""
        if self.last_time is None or self.change_time is None:
            return None
        since = self.last_time - self.change_time
        if since > ZERO_AFTER_S or self.prev_change_time is None:
            return 0.0
        assert self.change_counter is not None and self.prev_change_counter is not None
        span = self.change_time - self.prev_change_time
        if span <= 0:
            return 0.0
        rate = (self.change_counter - self.prev_change_counter) / span
        if since > 0:
            rate = min(rate, 1 / since)
        return rate

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PulseMeter:
        """From storage; StoredRecordError if the record is not of this shape."""
        return record(cls, data) if data else cls()


@dataclass(frozen=True)
class RuleSettings:
    continuous_min: float = 120.0
    high_flow_l_min: float = 5 * LITERS_PER_GALLON
    high_flow_min: float = 15.0


@dataclass
class LeakState:
    """Leak and high-flow rules over the flow rate; each clears itself when its condition ends."""

    flowing_since: float | None = None
    high_since: float | None = None
    leak: bool = False
    high_flow: bool = False

    def update(self, now: float, flow_l_min: float, away: bool, rules: RuleSettings) -> list[str]:
        """Apply the rate at `now`; return the events that happened (started/cleared)."""
        events: list[str] = []
        flowing = flow_l_min > 0
        if not flowing:
            self.flowing_since = None
        elif self.flowing_since is None:
            self.flowing_since = now
        high = flow_l_min > rules.high_flow_l_min
        if not high:
            self.high_since = None
        elif self.high_since is None:
            self.high_since = now

        continuous = (
            self.flowing_since is not None and now - self.flowing_since >= rules.continuous_min * 60
        )
        leak = continuous or (away and flowing)
        if leak != self.leak:
            self.leak = leak
            events.append("leak_started" if leak else "leak_cleared")
        high_flow = (
            self.high_since is not None and now - self.high_since >= rules.high_flow_min * 60
        )
        if high_flow != self.high_flow:
            self.high_flow = high_flow
            events.append("high_flow_started" if high_flow else "high_flow_cleared")
        return events

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> LeakState:
        """From storage; StoredRecordError if the record is not of this shape."""
        return record(cls, data) if data else cls()
