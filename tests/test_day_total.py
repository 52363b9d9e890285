"""Home Assistant's "today" from a total (counters.DayTotal), HA-free."""

from __future__ import annotations

import pytest

from custom_components.lanmeter.counters import DayTotal


def test_a_day_joined_part_way_starts_from_the_devices_count() -> None:
    day = DayTotal()
    assert day.update("2026-11-18", 10.0, device_today=1.5) == pytest.approx(1.5)


def test_the_devices_count_never_reaches_back_past_the_last_reading() -> None:
    """The device's "today" holds an hour it dated into tomorrow (its clock was ahead): at Home
    Assistant's midnight only what came since the last reading of yesterday can be today's."""
    day = DayTotal()
    day.update("2026-11-17", 10.0)
    day.update("2026-11-17", 12.0)
    assert day.update("2026-11-18", 12.1, device_today=1.6) == pytest.approx(0.1)


def test_a_record_from_before_last_was_kept_loads() -> None:
    day = DayTotal.from_dict({"day": "2026-11-17", "start": 3.0})
    assert (day.day, day.start, day.last) == ("2026-11-17", 3.0, None)
    assert day.update("2026-11-18", 5.0, device_today=1.0) == pytest.approx(1.0)
