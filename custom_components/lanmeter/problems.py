"""Counting what was ignored, and when to say so (pure Python, no Home Assistant import).

A LAN listener meets malformed and hostile input every day: each kind of it is counted (for
diagnostics) and logged the first time, then at most once per interval, so no sender can flood
the log. One implementation for the coordinators and the Glow receiver.
"""

from __future__ import annotations

from collections import Counter
import time


class Problems:
    """Counts per kind of problem, and a log limiter per key."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._logged_at: dict[str, float] = {}

    def count(self, kind: str, log_every_s: float | None = None) -> bool:
        """Count one of `kind`; True when it should be logged now: the first time, then (with
        log_every_s) at most once per that many seconds, else never again."""
        self.counts[kind] += 1
        if kind in self._logged_at and log_every_s is None:
            return False
        return self.log_due(kind, log_every_s or 0.0)

    def log_due(self, key: str, every_s: float) -> bool:
        """True (and noted) when `key` was not logged within the last `every_s` seconds."""
        now = time.monotonic()
        last = self._logged_at.get(key)
        if last is not None and now - last < every_s:
            return False
        self._logged_at[key] = now
        return True
