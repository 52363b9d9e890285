"""Energy and volume counters that never go backwards (pure Python, no Home Assistant import).

Devices restart their cumulative registers from zero after a power cut (Kasa strips) or report a
stray lower value now and then. The Energy dashboard reads any decrease of a total_increasing
sensor as a meter reset and any later recovery as new consumption, so a stray value would book a
day's energy twice. MonotonicTotal turns such a raw register into a total that only grows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .stored import record

# A raw value below this share of the previous one is a restart from zero, not a glitch.
RESET_RATIO = 0.5


@dataclass
class MonotonicTotal:
    """raw register -> total that only grows. `offset` carries what the device lost in resets."""

    offset: float = 0.0
    last_raw: float | None = None

    @property
    def value(self) -> float | None:
        if self.last_raw is None:
            return None
        return self.offset + self.last_raw

    def update(self, raw: float) -> float:
        """Take a new raw reading; return the total.

        A drop to under half the previous reading is a reset: what the device had counted until
        then is added to the offset. A smaller drop is a glitch: it is ignored and the previous
        reading stands, so the total never decreases.
        """
        if raw < 0:
            raise ValueError(f"a cumulative register cannot be negative: {raw}")
        if self.last_raw is not None and raw < self.last_raw:
            if raw >= self.last_raw * RESET_RATIO:
                return self.offset + self.last_raw
            self.offset += self.last_raw
        self.last_raw = raw
        return self.offset + raw

    def rebase(self, raw: float) -> float:
        """Continue from a new raw level without counting the step to it (a new meter)."""
        if self.last_raw is not None:
            self.offset += self.last_raw - raw
        self.last_raw = raw
        return self.offset + raw

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> MonotonicTotal:
        """From storage; StoredRecordError if the record is not of this shape."""
        if not data:
            return cls()
        total = record(cls, data)
        return cls(float(total.offset), None if total.last_raw is None else float(total.last_raw))


@dataclass
class DayTotal:
    """What a never-decreasing total grew by since Home Assistant's midnight ("today").

    Devices keep their own "today" and reset it at their own midnight, which is wrong when their
    clock or zone is (a 7 PM reset). This counts Home Assistant's day from the total instead.
    A new day starts from the device's own count for today when the caller trusts it (the
    device's day is Home Assistant's: it covers a day joined part-way, at setup or after a
    restart), else from the day's first reading.
    """

    day: str | None = None  # Home Assistant's date, ISO
    start: float | None = None  # the total at the day's start

    def update(self, day: str, total: float, device_today: float | None = None) -> float:
        if self.day != day or self.start is None:
            before = 0.0 if device_today is None else min(max(device_today, 0.0), total)
            self.day, self.start = day, total - before
        return max(total - self.start, 0.0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DayTotal:
        """From storage; StoredRecordError if the record is not of this shape."""
        return record(cls, data) if data else cls()
