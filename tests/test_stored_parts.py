"""Stored parts (stored_parts.py): what a capability registers is stored and loaded with its
coordinator's state, records of the layout before parts load, and a broken record starts its
part afresh without touching the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from custom_components.lanmeter.stored import StoredRecordError
from custom_components.lanmeter.stored_parts import PARTS_KEY, StoredParts


@dataclass
class Counter:
    value: int = 0
    stopped: bool = False
    loaded: list[dict[str, Any]] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        return {"value": self.value}

    def load_record(self, record: dict[str, Any]) -> None:
        if not isinstance(record.get("value"), int):
            raise StoredRecordError("value is not a whole number")
        self.value = record["value"]
        self.loaded.append(record)

    def shutdown(self) -> None:
        self.stopped = True


def test_registered_parts_load_whether_registered_before_or_after_the_store_is_read() -> None:
    parts = StoredParts("test")
    early = parts.add("early", Counter())
    stored = {"kind": 1, PARTS_KEY: {"early": {"value": 3}, "late": {"value": 4}}}
    parts.load(stored)
    assert stored == {"kind": 1}  # the kind's own keys stay for it
    assert early.value == 3
    late = parts.add("late", Counter())
    assert late.value == 4
    late.value = 5
    assert parts.records() == {"early": {"value": 3}, "late": {"value": 5}}
    parts.shutdown()
    assert early.stopped and late.stopped


def test_a_record_without_its_part_is_written_back_as_it_was() -> None:
    parts = StoredParts("test")
    parts.load({PARTS_KEY: {"device_not_read_yet": {"value": 7}}})
    assert parts.records() == {"device_not_read_yet": {"value": 7}}


def test_a_broken_record_starts_its_part_afresh_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    parts = StoredParts("Kasa 192.0.2.7:9999")
    good, bad = parts.add("good", Counter()), parts.add("bad", Counter())
    parts.load({PARTS_KEY: {"good": {"value": 1}, "bad": {"value": "x"}}})
    assert (good.value, bad.value) == (1, 0)
    assert "Kasa 192.0.2.7:9999: its stored bad does not load" in caplog.text
    parts.load({PARTS_KEY: {"good": "not an object"}})
    assert good.value == 1


class Kept(Counter):
    """A part that takes any record as it is."""

    def load_record(self, record: dict[str, Any]) -> None:
        self.loaded.append(record)


def test_records_of_the_layout_before_parts_are_adopted() -> None:
    parts = StoredParts("test")
    clock, cycles = parts.add("clock", Kept()), parts.add("cycles", Kept())
    stored = {
        "totals": {},
        "clock": {"value": 1},
        "clock_setting": {"sets": 0},
        "cycles": {"value": 2},
    }
    parts.load(stored)
    assert stored == {"totals": {}}
    assert clock.loaded == [{"tracker": {"value": 1}, "setting": {"sets": 0}}]
    assert cycles.loaded == [{"value": 2}]


def test_a_part_registered_twice_is_a_programming_error() -> None:
    parts = StoredParts("test")
    parts.add("clock", Counter())
    with pytest.raises(ValueError, match="registered already"):
        parts.add("clock", Counter())
