"""The Energy dashboard's ledger for one cumulative register (pure Python, no Home Assistant).

A device's register (a Kasa outlet's Wh, an Insight's mW-minutes, a smart meter's kWh or m3)
becomes a total that only grows, and that no single bad reading can move:

- a reading the booked level explains (not lower, and not higher than the device could have
  used since: its rated maximum x the time since the last booked reading, downtime included)
  is booked;
- any other reading is held back. A held-back level is confirmed only by the readings after it
  (CONFIRM_FOLLOWING of them over at least CONFIRM_SPAN_S) continuing upward from it at a rate
  the device can reach, and the device's own power reading explains; a reading that returns to
  the booked level first makes it a glitch: nothing is booked, and it is counted;
- a confirmed fall the device could have reached from zero since the last booked reading is a
  reset (a power cut): the old level stays booked and everything counted since the reset is
  booked on top; any other confirmed level (a meter exchanged, a register set) is a new
  baseline: the step to it is not booked, the growth after it is.

Everything this needs is in the record, so a restart or reload never skips a check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
import math
from typing import Any

from .stored import StoredRecordError, record

# A held-back level is real once this many readings after it continue from it, spread over at
# least this long (a glitch seldom lasts that long; a reset read by any poll is confirmed in a
# minute or two). A device that says it restarted needs one reading after it and no wait.
CONFIRM_FOLLOWING = 2
CONFIRM_SPAN_S = 60.0
# The growth a confirmation needs: at least this share of what the lowest power reading while
# held would have used (a register frozen at a bad value while the load runs is not a reset).
EXPLAINED_SHARE = 0.5


def kwh_per_s(watts: float) -> float:
    """A power reading as the rate an energy register in kWh grows at (for `rate`)."""
    return watts / 3.6e6


@dataclass(frozen=True)
class RegisterLimits:
    """What the device behind a register can physically do."""

    max_per_s: float  # the most the register can grow per second (rated power or flow)
    resolution: float  # its smallest step; readings within it agree


class Verdict(StrEnum):
    """What one reading did to the ledger."""

    BOOKED = "booked"
    HELD = "held"  # not explained: waits for the readings after it
    GLITCH = "glitch"  # booked, and the readings held before it were rejected as a glitch
    RESET = "reset"  # a held fall was confirmed as a restart from zero
    REBASED = "rebased"  # a held level was confirmed as a new baseline (the step not booked)


@dataclass
class Ledger:
    """A register's booked total and what is held back; stored as one record."""

    offset: float = 0.0  # booked before the register's resets and rebases
    last_raw: float | None = None  # the last booked register
    last_at: float | None = None  # when it was read (Home Assistant's unix seconds)
    # The held-back run: its first and newest reading, their count, and the lowest rate the
    # device reported meanwhile (register units per second; None: not reported).
    held_first_raw: float | None = None
    held_first_at: float | None = None
    held_raw: float | None = None
    held_at: float | None = None
    held_count: int = 0
    held_min_rate: float | None = None
    held_restarted: bool = False
    # What happened so far, for diagnostics.
    readings_held: int = 0
    glitches: int = 0
    resets: int = 0
    rebases: int = 0

    @property
    def value(self) -> float | None:
        """The booked total (None before the first reading)."""
        return None if self.last_raw is None else self.offset + self.last_raw

    def update(
        self,
        raw: float,
        at: float,
        limits: RegisterLimits,
        *,
        rate: float | None = None,
        restarted: bool = False,
    ) -> Verdict:
        """Take one reading at Home Assistant's time `at`. `rate` is the device's own reading
        of how fast the register grows now (its power), `restarted` that the device says its
        register started again (its on-time total went back)."""
        if not math.isfinite(raw) or raw < 0:
            raise ValueError(f"a cumulative register cannot read {raw}")
        if self.last_raw is None:
            self._book(raw, at)
            return Verdict.BOOKED
        after_restart = (
            self.held_restarted
            and self.held_raw is not None
            and _continues(self.held_raw, self.held_at, raw, at, limits)
        )
        if not (restarted or after_restart) and _continues(
            self.last_raw, self.last_at, raw, at, limits
        ):
            glitch = self.held_count > 0
            self.glitches += glitch
            if raw >= self.last_raw:
                self._book(raw, at)
            else:
                self._drop_held()  # a hair lower (rounding): the booked level stands
            return Verdict.GLITCH if glitch else Verdict.BOOKED
        self._hold(raw, at, limits, rate, restarted)
        return self._confirm(limits)

    def _book(self, raw: float, at: float) -> None:
        self.last_raw, self.last_at = raw, at
        self._drop_held()

    def _hold(
        self, raw: float, at: float, limits: RegisterLimits, rate: float | None, restarted: bool
    ) -> None:
        self.readings_held += 1
        if self.held_raw is not None and _continues(self.held_raw, self.held_at, raw, at, limits):
            self.held_count += 1
            self.held_restarted = self.held_restarted or restarted
        else:
            self.glitches += self.held_raw is not None  # the run held so far went nowhere
            self.held_first_raw, self.held_first_at = raw, at
            self.held_count, self.held_min_rate, self.held_restarted = 1, None, restarted
        self.held_raw, self.held_at = raw, at
        if rate is not None:
            low = self.held_min_rate
            self.held_min_rate = rate if low is None else min(low, rate)

    def _confirm(self, limits: RegisterLimits) -> Verdict:
        first_raw, first_at = self.held_first_raw, self.held_first_at
        raw, at = self.held_raw, self.held_at
        assert first_raw is not None and first_at is not None and raw is not None
        assert at is not None and self.last_raw is not None
        span = at - first_at
        if self.held_restarted:
            if self.held_count < 2:
                return Verdict.HELD
        elif self.held_count < 1 + CONFIRM_FOLLOWING or span < CONFIRM_SPAN_S:
            return Verdict.HELD
        if self.held_min_rate is not None:
            expected = EXPLAINED_SHARE * self.held_min_rate * span - 2 * limits.resolution
            if raw - first_raw < expected:
                return Verdict.HELD  # frozen while the device says it is using energy
        reachable = _most(self.last_at, first_at, limits)
        if (first_raw < self.last_raw or self.held_restarted) and first_raw <= reachable:
            self.offset += self.last_raw  # from zero: all of it since the reset is booked
            self.resets += 1
            verdict = Verdict.RESET
        else:
            self.offset += self.last_raw - first_raw  # a new baseline: the step is not booked
            self.rebases += 1
            verdict = Verdict.REBASED
        self._book(raw, at)
        return verdict

    def _drop_held(self) -> None:
        self.held_first_raw = self.held_first_at = self.held_raw = self.held_at = None
        self.held_count, self.held_min_rate, self.held_restarted = 0, None, False

    def counts(self) -> dict[str, int]:
        """For diagnostics: readings held back, glitches rejected, resets and rebases."""
        return {
            "held": self.readings_held,
            "glitches": self.glitches,
            "resets": self.resets,
            "rebases": self.rebases,
            "holding": self.held_count,
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Ledger:
        """From storage; StoredRecordError if the record is not of this shape. A record of
        0.2.0 and earlier ({offset, last_raw}) loads too: its time is unknown, so the first
        reading after it is checked against the register alone."""
        if not data:
            return cls()
        if isinstance(data, dict) and set(data) == {"offset", "last_raw"}:
            old = record(_OldTotal, data)
            if old.last_raw is None:
                return cls(float(old.offset))
            return cls(float(old.offset), float(old.last_raw))
        ledger = record(cls, data)
        if ledger.held_count < 0 or (ledger.held_count > 0) != (ledger.held_raw is not None):
            raise StoredRecordError(f"Ledger: a held run of {ledger.held_count} readings")
        return ledger


@dataclass
class _OldTotal:
    offset: float
    last_raw: float | None


def _most(before_at: float | None, at: float, limits: RegisterLimits) -> float:
    """The most a register can grow from `before_at` to `at` (unbounded when the first time is
    unknown: a record stored before times were kept)."""
    if before_at is None:
        return math.inf
    return limits.max_per_s * max(at - before_at, 0.0) + limits.resolution


def _continues(
    before: float, before_at: float | None, raw: float, at: float, limits: RegisterLimits
) -> bool:
    """Whether `raw` at `at` can follow `before` read at `before_at`: not lower (beyond
    rounding), and not more than the device could have added in between."""
    return before - limits.resolution <= raw <= before + _most(before_at, at, limits)
