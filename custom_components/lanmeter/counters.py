"""Home Assistant's "today" from a total that only grows (pure Python, no Home Assistant import).

The total itself is a register's ledger (ledger.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .stored import record


@dataclass
class DayTotal:
    """What a never-decreasing total grew by since Home Assistant's midnight ("today").

    Devices keep their own "today" and reset it at their own midnight, which is wrong when their
    clock or zone is (a 7 PM reset). This counts Home Assistant's day from the total instead.
    A new day starts from the device's own count for today when the caller trusts it (the
    device's day is Home Assistant's: it covers a day joined part-way, at setup or after a
    restart), else from the day's first reading. The device's count is never taken beyond what
    the total grew since the last reading of an earlier day: a device whose clock ran ahead
    dated energy used before Home Assistant's midnight into its own "today".
    """

    day: str | None = None  # Home Assistant's date, ISO
    start: float | None = None  # the total at the day's start
    last: float | None = None  # the total at the latest reading

    def starts_anew(self, day: str) -> bool:
        """The next update on `day` starts it (the only one that takes the device's count)."""
        return self.day != day or self.start is None

    def update(self, day: str, total: float, device_today: float | None = None) -> float:
        if self.starts_anew(day):
            before = 0.0 if device_today is None else min(max(device_today, 0.0), total)
            if self.day is not None and self.last is not None:
                before = min(before, max(total - self.last, 0.0))
            self.day, self.start = day, total - before
        self.last = total
        assert self.start is not None  # set above whenever it was missing
        return max(total - self.start, 0.0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DayTotal:
        """From storage; StoredRecordError if the record is not of this shape. A record from
        before `last` was kept loads without it."""
        if not data:
            return cls()
        if isinstance(data, dict) and set(data) == {"day", "start"}:
            data = {**data, "last": None}
        return record(cls, data)
