"""Volume, flow rate and leak rules from the Flume's pulse counter (pure Python).

Flow rate from a pulse counter: at low flow one pulse arrives every 15-30 s, so "no new pulse in
this batch" is not "no flow". The rate is the pulses between the last two counter changes over the
time between them, capped by 1 pulse / (time since the last change): had the flow been faster, a
pulse would have arrived by now. After ZERO_AFTER_S without a pulse the flow is zero. All times
are the device's sample stamps placed on Home Assistant's clock (device_clock.py), so batches
(every ~30 s) and replays give the same answer, and a wrong or jumping device clock changes
nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..ledger import Ledger
from ..stored import record

ZERO_AFTER_S = 90  # slower than a pulse per 90 s is not flow the sensor can tell apart from none
LITERS_PER_GALLON = 3.785411784


@dataclass
class PulseMeter:
    """The pulse counter as read, and the timing of its last two changes (for the flow rate).
    Which counts are booked as volume is the ledger's call (ledger.py)."""

    counter: int | None = None
    last_time: float | None = None  # newest sample time seen
    change_time: float | None = None
    change_counter: int | None = None
    prev_change_time: float | None = None
    prev_change_counter: int | None = None
    out_of_order: int = 0

    def add(self, counter: int, at: float | None) -> bool:
        """Apply one sample; False (and counted) if it adds nothing.

        A higher count always counts, whatever its time says, so no clock can lose or double a
        pulse. A lower one counts only from a newer sample (a replay or a late message is not
        a reset) and restarts the timing; the ledger tells a reset from a glitch. `at` is the
        sample's time on the bridge's continuous timeline (None while its clock is in doubt);
        it only times the flow, and only when it is newer than what was applied.
        """
        if self.counter is not None and counter < self.counter:
            if at is None or (self.last_time is not None and at <= self.last_time):
                self.out_of_order += 1
                return False
            self.counter = None
            self.change_time = self.change_counter = None
            self.prev_change_time = self.prev_change_counter = None
        timed = at is not None and (self.last_time is None or at > self.last_time)
        if not timed and self.counter is not None and counter == self.counter:
            self.out_of_order += 1  # a repeat, or a time in doubt with nothing new
            return False
        changed = self.counter is None or counter > self.counter
        self.counter = counter
        if not timed:
            # New pulses at an unknown time: counted. The timing stays: the next timed change
            # spans them (the timeline is continuous across a clock jump), so the rate it gives
            # is their true average.
            return True
        assert at is not None
        self.last_time = at
        if self.change_counter is None or self.change_time is None:
            self.change_time, self.change_counter = at, counter
        elif changed:
            self.prev_change_time, self.prev_change_counter = self.change_time, self.change_counter
            self.change_time, self.change_counter = at, counter
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
        """From storage; StoredRecordError if the record is not of this shape. A 0.2.0 record
        also held the reset offset (now the ledger's, see legacy_ledger)."""
        if isinstance(data, dict) and set(data) >= LEGACY_KEYS:
            data = {key: value for key, value in data.items() if key not in LEGACY_KEYS}
        return record(cls, data) if data else cls()


# What PulseMeter stored in 0.2.0 beside its counter and timing.
LEGACY_KEYS = frozenset({"reset_offset", "went_backwards"})


def legacy_ledger(data: Any) -> Ledger | None:
    """The pulse ledger a 0.2.0 meter record implies: its reset offset and counter, booked at
    its newest sample time; None for any other record."""
    if not isinstance(data, dict) or not set(data) >= LEGACY_KEYS:
        return None
    offset, counter, at = data["reset_offset"], data["counter"], data["last_time"]
    if not isinstance(offset, int) or not isinstance(counter, int | None):
        return None
    if counter is None:
        return Ledger(float(offset))
    return Ledger(float(offset), float(counter), at if isinstance(at, int | float) else None)


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
