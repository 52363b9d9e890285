"""The Energy dashboard's rule for total_increasing sensors, as the tests replay it."""

from __future__ import annotations

import pytest

from devkit.energy_replay import dashboard_sum


def test_growth_is_added_and_unavailable_is_skipped() -> None:
    assert dashboard_sum(["10.0", "unavailable", "10.5", "unknown", "12.0"]) == pytest.approx(2.0)


def test_a_fall_of_more_than_ten_percent_is_a_new_cycle_from_zero() -> None:
    # 4.125 -> 1.876 (a register restarted and shown as it is): counted 1.876 again.
    assert dashboard_sum([4.125, 1.876, 2.0]) == pytest.approx(1.876 + 0.124)


def test_a_smaller_fall_is_booked_negative() -> None:
    assert dashboard_sum([10.0, 9.5, 10.0]) == pytest.approx(0.0)
    assert dashboard_sum([10.0, 9.5]) == pytest.approx(-0.5)
