"""The clock policy alone (device_clock.py): wrong clocks, jumps, late and repeated readings."""

from __future__ import annotations

import random

import pytest

from custom_components.lanmeter.device_clock import (
    JUMP_S,
    WRONG_FOR_S,
    ClockSetting,
    DeviceClock,
)

T0 = 1_780_000_000.0  # Home Assistant's time at the start of each case
YEARS_56 = T0 - 2_000.0  # a clock back at 1970 reads about this much less


def stream(clock: DeviceClock, error_s: float, start: float, count: int, every: float = 30.0):
    """Readings every `every` s from a device whose clock is `error_s` off, each arriving 0-3 s
    after it was stamped; yields (arrival, placed time, jump)."""
    rng = random.Random(int(start) + count)
    for n in range(count):
        true = start + n * every
        arrival = true + rng.uniform(0, 3)
        jump = clock.observe(true + error_s, arrival)
        yield arrival, clock.place(true + error_s, arrival), jump


@pytest.mark.parametrize("error_s", [0.0, 7200.0, -86400.0, 40.0, -YEARS_56])
def test_any_steady_clock_is_placed_on_home_assistants(error_s: float) -> None:
    clock = DeviceClock()
    results = list(stream(clock, error_s, T0, 200))
    assert all(jump is None for _, _, jump in results)
    assert clock.offset_s == pytest.approx(error_s, abs=3.0)
    for n, (arrival, placed, _) in enumerate(results):
        assert placed is not None
        assert placed <= arrival
        assert placed == pytest.approx(T0 + n * 30, abs=3.0)


def test_a_reboot_to_1970_is_confirmed_after_two_minutes_and_placing_continues() -> None:
    clock = DeviceClock()
    list(stream(clock, 0.0, T0, 10))
    base = clock.base_s
    # The bridge reboots at T0 + 300 and its clock starts at 1970: a reading every 30 s.
    for n in range(4):
        device, arrival = T0 + 300 + 30 * n - YEARS_56, T0 + 301.0 + 30 * n
        assert clock.observe(device, arrival) is None
        assert clock.place(device, arrival) is None  # in doubt: not placed
        assert clock.timeline(device) is None
    jump = clock.observe(T0 + 420 - YEARS_56, T0 + 421.0)  # two minutes of agreement
    assert jump is not None and jump.size_s == pytest.approx(-YEARS_56, abs=3.0)
    assert "back" in jump.describe()
    assert clock.place(T0 + 450 - YEARS_56, T0 + 451.0) == pytest.approx(T0 + 450, abs=3.0)
    # The timeline goes on as if nothing had happened.
    assert clock.timeline(T0 + 450 - YEARS_56) == pytest.approx(T0 + 450 - base, abs=3.0)
    # Then NTP answers: forward again, confirmed the same way.
    jumps = [clock.observe(T0 + 480 + 30 * n, T0 + 481.0 + 30 * n) for n in range(5)]
    assert jumps[:4] == [None] * 4
    assert jumps[4] is not None and jumps[4].size_s == pytest.approx(YEARS_56, abs=3.0)
    assert clock.jumps == 2


def test_one_garbled_stamp_far_ahead_moves_nothing() -> None:
    clock = DeviceClock()
    list(stream(clock, 0.0, T0, 10))
    base = clock.base_s
    assert clock.observe(T0 + 300 + 10 * 365 * 86400, T0 + 301.0) is None
    assert clock.timeline(T0 + 300 + 10 * 365 * 86400) is None  # never on the timeline
    assert clock.observe(T0 + 330, T0 + 331.0) is None
    assert clock.jumps == 0 and clock.offset_s == pytest.approx(0.0, abs=3.0)
    assert clock.timeline(T0 + 330) == pytest.approx(T0 + 330 - base)


def test_an_ntp_correction_forward_is_taken_once_it_lasts() -> None:
    clock = DeviceClock()
    list(stream(clock, -7200.0, T0, 10))  # two hours behind
    jumps = [clock.observe(T0 + 300 + 30 * n, T0 + 301.0 + 30 * n) for n in range(5)]
    assert jumps[4] is not None and jumps[4].size_s == pytest.approx(7200, abs=3.0)
    assert clock.place(T0 + 450, T0 + 451.0) == pytest.approx(T0 + 450, abs=3.0)


def test_a_late_repeated_message_is_not_a_jump() -> None:
    clock = DeviceClock()
    list(stream(clock, 0.0, T0, 40))
    offset = clock.offset_s
    # A message from 20 minutes ago arrives again (a broker's re-delivery), then live ones.
    assert clock.observe(T0 + 1170 - 1200, T0 + 1201.0) is None
    assert clock.place(T0 + 1170 - 1200, T0 + 1201.0) is None  # older: not placed
    assert clock.observe(T0 + 1200, T0 + 1201.5) is None
    assert clock.place(T0 + 1200, T0 + 1201.5) == pytest.approx(T0 + 1200, abs=3.0)
    assert clock.jumps == 0
    assert clock.offset_s == pytest.approx(offset, abs=1.0)


def test_a_burst_of_old_messages_changes_nothing() -> None:
    clock = DeviceClock()
    list(stream(clock, 0.0, T0, 40))
    base = clock.base_s
    for n in range(10):  # ten re-delivered messages from 15 minutes ago, at once
        assert clock.observe(T0 + 300 + 30 * n, T0 + 1230.0 + 0.1 * n) is None
    clock.observe(T0 + 1230, T0 + 1231.0)
    assert clock.jumps == 0
    assert clock.offset_s == pytest.approx(0.0, abs=3.0)
    assert clock.timeline(T0 + 1260) == pytest.approx(T0 + 1260 - base, abs=2.0)


def test_a_backlog_after_an_outage_is_not_a_jump() -> None:
    """The broker was down for two hours; the device then delivers its buffered messages in a
    few seconds and goes on live."""
    clock = DeviceClock()
    list(stream(clock, 0.0, T0, 10))
    resumed = T0 + 270 + 7200
    for n in range(240):
        device = T0 + 300 + 30 * n
        assert clock.observe(device, resumed + 0.02 * n) is None
        placed = clock.place(device, resumed + 0.02 * n)
        assert placed == pytest.approx(device, abs=3.0)  # each reading at its own time
    assert clock.jumps == 0


def test_a_clock_wrong_for_more_than_an_hour_is_reported_and_cleared() -> None:
    clock = DeviceClock()
    results = list(stream(clock, JUMP_S + 100, T0, 130))  # 65 minutes, 400 s ahead
    assert clock.wrong_for_s(results[-1][0]) > WRONG_FOR_S
    for n in range(130, 136):  # set right: a backward correction, confirmed in two minutes
        clock.observe(T0 + n * 30, T0 + n * 30 + 1)
    assert clock.offset_s == pytest.approx(0.0, abs=2.0)
    assert clock.wrong_for_s(T0 + 136 * 30) == 0


def test_an_hourly_reading_sees_a_clock_set_back_by_ten_minutes() -> None:
    """A device read once an hour (Kasa): set back by less than the hour, its time still
    advances between readings, but by ten minutes less than Home Assistant's."""
    clock = DeviceClock()
    for n in range(3):
        clock.observe(T0 + 600 + 3600 * n, T0 + 3600 * n)  # ten minutes ahead
    assert clock.offset_s == pytest.approx(600)
    clock.observe(T0 + 3 * 3600, T0 + 3 * 3600)  # NTP reached it
    assert clock.offset_s == pytest.approx(600)  # not yet: it could be a late reading
    jump = clock.observe(T0 + 3 * 3600 + 130, T0 + 3 * 3600 + 130)
    assert jump is not None and clock.offset_s == pytest.approx(0)


def test_stored_and_loaded_the_clock_goes_on() -> None:
    clock = DeviceClock()
    list(stream(clock, 7200.0, T0, 5))
    again = DeviceClock.from_dict(clock.as_dict())
    assert again == clock
    assert DeviceClock.from_dict(None) == DeviceClock()


def test_the_clock_is_set_at_most_once_a_day_and_only_when_off() -> None:
    setting = ClockSetting()
    assert not setting.due(60.0, T0)  # within 2 minutes: left alone
    assert not setting.due(None, T0)
    assert setting.due(-3600.0, T0)
    setting.claim(T0)
    setting.answered(accepted=False)  # refused
    assert not setting.due(-3600.0, T0 + 3600)  # no retry storm
    assert setting.due(-3600.0, T0 + 86400)
    setting.claim(T0 + 86400)
    setting.answered(accepted=True)
    assert (setting.sets, setting.refusals) == (1, 1)
