"""One clock policy for every device (pure Python, no Home Assistant import).

Home Assistant's clock is the truth. Devices walled off from the internet often have no NTP: they
run hours off, a day behind, in the wrong zone, or start again at 1970 after a reboot. A device's
own timestamps are therefore used only through a tracked offset, device time minus the time the
reading arrived, so a reading is placed on Home Assistant's clock at `device time - offset`.

- A reading cannot arrive before it was stamped, so the least-delayed reading gives the truest
  offset: the offset follows the highest observation, and decays slowly so a clock that runs
  slow is followed too.
- A jump of the device's clock (a reboot to 1970, an NTP answer forward or back, a new time zone)
  re-bases the offset, so readings after it continue where the ones before it ended. A reading
  whose offset is more than JUMP_S away from the tracked one is a candidate: a late message, a
  repeated one, a backlog or one garbled stamp looks the same for a moment, but is over within
  seconds, while a clock that jumped stays where it jumped. So the offset is re-based once
  readings have agreed on the new one for CONFIRM_AFTER_S of Home Assistant's time, and a
  reading back on the old offset cancels the candidate. Meanwhile readings of the candidate are
  not placed (`place`, `timeline`: None), except one newer than any seen on a lower offset (a
  backlog), which is placed by the old offset.
Nothing is dropped for being "ahead" or "behind": that is the device's clock, not its data.

Two uses, two answers: `place` puts a reading on Home Assistant's clock (which day it belongs
to, when it was last seen); `timeline` gives the device's own time made continuous across its
jumps, for durations (a flow rate between pulses, how long water has run). The timeline moves
only at a jump, never as the offset estimate improves, so durations stay exact.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .stored import record

# A device clock that moves this much more or less than Home Assistant's between two readings
# has jumped (network delays and batching stay well under it).
JUMP_S = 300.0
# A new offset is a jump once readings agree on it for this long (a backlog, a burst of
# repeated messages or a garbled stamp is over in seconds), within AGREE_S of each other.
CONFIRM_AFTER_S = 120.0
AGREE_S = JUMP_S / 2
# How fast the offset may fall without a jump: quartz clocks drift by seconds a day; this
# follows a slow clock within an hour or so while one late reading barely moves it. A silence
# (an outage, a backlog) counts as at most DECAY_STEP_MAX_S: it says nothing about the clock.
DECAY_PER_S = 1e-3
DECAY_STEP_MAX_S = 60.0
# The clock is "wrong" (repair issue, setting it) beyond these.
WRONG_AFTER_S = 300.0  # |offset| over 5 minutes ...
WRONG_FOR_S = 3600.0  # ... for more than an hour: a repair issue
SET_WHEN_OFF_BY_S = 120.0  # set the device's clock when it is off by more than 2 minutes
SET_AT_MOST_EVERY_S = 86400.0  # at most once a day, whether the device accepted it or not


@dataclass(frozen=True)
class ClockJump:
    """The device's clock jumped: readings after it are placed with the new offset."""

    old_offset_s: float
    new_offset_s: float

    @property
    def size_s(self) -> float:
        return self.new_offset_s - self.old_offset_s

    def describe(self) -> str:
        direction = "forward" if self.size_s > 0 else "back"
        return f"jumped {direction} by {_duration(abs(self.size_s))}"


@dataclass
class DeviceClock:
    """The offset of one device's clock from Home Assistant's, in seconds (device - HA)."""

    offset_s: float | None = None
    base_s: float | None = None  # the timeline's offset: set at the first reading and at jumps
    last_device_s: float | None = None
    last_arrival_s: float | None = None
    pending_offset_s: float | None = None  # a suspected jump (either way), not yet confirmed
    pending_device_s: float | None = None
    pending_arrival_s: float | None = None
    wrong_since_s: float | None = None  # Home Assistant's time the offset left +-WRONG_AFTER_S
    jumps: int = 0

    def observe(self, device_s: float, arrival_s: float) -> ClockJump | None:
        """Take one reading's device time and arrival time; the jump, if this was one."""
        observed = device_s - arrival_s
        jump: ClockJump | None = None
        reference = True  # this reading becomes the one the next is compared with
        if self.offset_s is None or self.last_device_s is None or self.last_arrival_s is None:
            self.offset_s = self.base_s = observed
        elif abs(observed - self.offset_s) > JUMP_S:
            jump = self._candidate(device_s, arrival_s)
            reference = jump is not None  # in doubt: the reference stays
        else:
            self.pending_offset_s = self.pending_device_s = self.pending_arrival_s = None
            decay = DECAY_PER_S * min(max(arrival_s - self.last_arrival_s, 0.0), DECAY_STEP_MAX_S)
            self.offset_s = max(observed, self.offset_s - decay)
            reference = device_s >= self.last_device_s  # an older one: the newest stays
        if reference:
            self.last_device_s, self.last_arrival_s = device_s, arrival_s
        self._track_wrong(arrival_s)
        return jump

    def _candidate(self, device_s: float, arrival_s: float) -> ClockJump | None:
        """A reading far off the tracked offset: re-based once it has lasted."""
        observed = device_s - arrival_s
        if (
            self.pending_offset_s is None
            or self.pending_arrival_s is None
            or abs(observed - self.pending_offset_s) > AGREE_S
        ):
            self.pending_offset_s = observed  # a new candidate
            self.pending_device_s, self.pending_arrival_s = device_s, arrival_s
            return None
        if arrival_s - self.pending_arrival_s < CONFIRM_AFTER_S:
            return None
        return self._rebase(device_s, arrival_s)

    def _rebase(self, device_s: float, arrival_s: float) -> ClockJump:
        assert self.offset_s is not None and self.base_s is not None
        assert self.last_device_s is not None and self.last_arrival_s is not None
        observed = device_s - arrival_s
        jump = ClockJump(self.offset_s, observed)
        # The timeline moves by the jump, so it goes on where it was; and never back from the
        # last reading plus the real time since (a late reading underestimates the jump).
        by_jump = self.base_s + jump.size_s
        not_back = device_s - (
            self.last_device_s - self.base_s + max(arrival_s - self.last_arrival_s, 0.0)
        )
        self.base_s = min(by_jump, not_back)
        self.offset_s = observed
        self.pending_offset_s = self.pending_device_s = self.pending_arrival_s = None
        self.jumps += 1
        return jump

    def _track_wrong(self, arrival_s: float) -> None:
        if self.offset_s is not None and abs(self.offset_s) > WRONG_AFTER_S:
            if self.wrong_since_s is None:
                self.wrong_since_s = arrival_s
        else:
            self.wrong_since_s = None

    def _in_doubt(self, device_s: float) -> bool:
        """A jump is suspected and this reading may be of it: all but a backlog's (newer than
        any seen, on a lower offset)."""
        if self.pending_offset_s is None or self.offset_s is None:
            return False
        backlog = self.pending_offset_s < self.offset_s and (
            self.last_device_s is not None and device_s > self.last_device_s
        )
        return not backlog

    def place(self, device_s: float, arrival_s: float) -> float | None:
        """A device timestamp on Home Assistant's clock (never after its arrival), or None
        while the device's clock is in doubt (a suspected jump back, or nothing observed)."""
        if self.offset_s is None or self._in_doubt(device_s):
            return None
        return min(device_s - self.offset_s, arrival_s)

    def timeline(self, device_s: float) -> float | None:
        """The device's time, continuous across its clock's jumps (seconds on Home Assistant's
        scale, for durations), or None while its clock is in doubt."""
        if self.base_s is None or self._in_doubt(device_s):
            return None
        return device_s - self.base_s

    def wrong_for_s(self, now_s: float) -> float:
        """How long the clock has been off by more than WRONG_AFTER_S (0: it is right)."""
        return 0.0 if self.wrong_since_s is None else max(now_s - self.wrong_since_s, 0.0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DeviceClock:
        """From storage; StoredRecordError if the record is not of this shape."""
        return record(cls, data) if data else cls()


@dataclass
class ClockSetting:
    """When to set a device's clock: off by more than 2 minutes, at most once a day, and a
    device that refuses is asked again only the next day (no retry storm)."""

    last_attempt_s: float | None = None
    refusals: int = 0
    sets: int = 0

    def due(self, offset_s: float | None, now_s: float) -> bool:
        if offset_s is None or abs(offset_s) <= SET_WHEN_OFF_BY_S:
            return False
        return self.last_attempt_s is None or now_s - self.last_attempt_s >= SET_AT_MOST_EVERY_S

    def claim(self, now_s: float) -> None:
        """Today's attempt starts now (whatever the device answers, the next is tomorrow)."""
        self.last_attempt_s = now_s

    def answered(self, accepted: bool) -> None:
        if accepted:
            self.sets += 1
        else:
            self.refusals += 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ClockSetting:
        return record(cls, data) if data else cls()


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} s"
