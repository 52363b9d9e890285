"""The capabilities a coordinator composes keep their own stored record here (no Home Assistant
import): the device clock (its tracker and when LAN Meter last set it), the cycle watches. A part
registered under a key is written with every save and loaded at restore, so no kind can forget
to store one; a record whose part is not registered in this run (a device not read yet, a
capability switched off) is written back as it was.

In the Store's data the parts live under "parts"; records of the layout before it ("cycles",
"clock" and "clock_setting" at the top) are adopted at load.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from .stored import StoredRecordError

_LOGGER = logging.getLogger(__name__)

PARTS_KEY = "parts"


class StoredPart(Protocol):
    """A capability's state that survives a restart."""

    def as_record(self) -> dict[str, Any]:
        """Its record, JSON-able, taken when the Store writes."""

    def load_record(self, record: dict[str, Any]) -> None:
        """Take back a stored record; StoredRecordError (or ValueError) when it does not fit."""

    def shutdown(self) -> None:
        """The entry unloads: stop timers (the record is written after this)."""


class StoredParts:
    """The registered parts of one coordinator's Store."""

    def __init__(self, owner: str) -> None:
        self._owner = owner  # for log lines: "Kasa 192.0.2.7:9999"
        self._parts: dict[str, StoredPart] = {}
        self._waiting: dict[str, Any] = {}  # loaded records whose part is not registered yet

    def add[P: StoredPart](self, key: str, part: P) -> P:
        """Register a part; it takes its record at once if the Store was already read."""
        if key in self._parts:
            raise ValueError(f"{self._owner}: a stored part {key!r} is registered already")
        self._parts[key] = part
        if key in self._waiting:
            self._load(key, part, self._waiting.pop(key))
        return part

    def load(self, stored: dict[str, Any]) -> None:
        """Take this coordinator's parts out of the Store's data (which keeps the rest)."""
        records = stored.pop(PARTS_KEY, None)
        records = dict(records) if isinstance(records, dict) else {}
        for key, record in adopt_legacy(stored).items():
            records.setdefault(key, record)
        for key, record in records.items():
            if (part := self._parts.get(key)) is None:
                self._waiting[key] = record
            else:
                self._load(key, part, record)

    def _load(self, key: str, part: StoredPart, record: Any) -> None:
        try:
            if not isinstance(record, dict):
                raise StoredRecordError("not an object")
            part.load_record(record)
        except (StoredRecordError, ValueError, TypeError, KeyError) as err:
            _LOGGER.warning(
                "%s: its stored %s does not load (%s); it starts afresh", self._owner, key, err
            )

    def records(self) -> dict[str, Any]:
        """Every part's record, and the waiting ones as they were loaded."""
        return {**self._waiting, **{key: part.as_record() for key, part in self._parts.items()}}

    def shutdown(self) -> None:
        for part in self._parts.values():
            part.shutdown()


class WaitingRecords:
    """A part's records of items not made yet in this run (an outlet, a CAD not read since the
    restart), by item key: each is taken once when its item is made; the rest are written back
    as they were loaded."""

    def __init__(self) -> None:
        self._records: dict[str, Any] = {}

    def load(self, records: dict[str, Any]) -> None:
        self._records = dict(records)

    def take(self, key: str) -> Any:
        """An item's record (None if none was stored); it is the item's from now on."""
        return self._records.pop(key, None)

    def with_live(self, live: dict[str, Any]) -> dict[str, Any]:
        """The part's record: what still waits, and the made items' own records over it."""
        return {**self._records, **live}


def adopt_legacy(stored: dict[str, Any]) -> dict[str, Any]:
    """Part records from the layout before parts (removed from `stored`)."""
    adopted: dict[str, Any] = {}
    if "cycles" in stored:
        adopted["cycles"] = stored.pop("cycles")
    if "clock" in stored:
        adopted["clock"] = {
            "tracker": stored.pop("clock"),
            "setting": stored.pop("clock_setting", None),
        }
    return adopted
