"""What firmware (and, for Kasa, which way of talking) a device last showed, and its last few
changes with their dates: a stored part (stored_parts.py). No Home Assistant import.

A firmware update behind the owner's back is what a walled-off device must not do; when one
happens anyway (or the owner updated it), the change is noticed once, logged, and kept for
diagnostics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .stored import StoredRecordError

KEPT = 5  # the last few versions seen, newest last


@dataclass(frozen=True)
class Seen:
    """One version the device showed, from when."""

    firmware: str
    hardware: str
    access: str  # how LAN Meter reaches it ("XOR", "KLAP v2", "AES v2", ...)
    since: str  # ISO time Home Assistant first saw it


class FirmwareRecord:
    """The versions a device showed, newest last."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []

    @property
    def current(self) -> Seen | None:
        return self.seen[-1] if self.seen else None

    def observe(self, firmware: str, hardware: str, access: str, at: str) -> Seen | None:
        """Take what a poll showed; the version before it when it changed (None: first seen,
        or unchanged)."""
        before = self.current
        if before is not None and (before.firmware, before.hardware, before.access) == (
            firmware,
            hardware,
            access,
        ):
            return None
        self.seen = [*self.seen, Seen(firmware, hardware, access, at)][-KEPT:]
        return before

    def as_record(self) -> dict[str, Any]:
        return {"seen": [seen.__dict__ for seen in self.seen]}

    def load_record(self, record: dict[str, Any]) -> None:
        seen = record.get("seen")
        if not isinstance(seen, list):
            raise StoredRecordError("seen is not a list")
        self.seen = [Seen(**dict(item)) for item in seen][-KEPT:]

    def shutdown(self) -> None:
        """Nothing runs in the background."""
