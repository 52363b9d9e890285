"""The home view's maths alone: percentile window, steps with hysteresis, pairing, Other."""

from __future__ import annotations

import random

import pytest

from custom_components.lanmeter.home.breakdown import (
    SLOT_S,
    WINDOW_S,
    DeviceChanges,
    RollingPercentile,
    Step,
    StepDetector,
    StepPairer,
    other_power,
    steps_match,
)


def test_always_on_is_unknown_until_an_hour_then_the_time_weighted_first_percentile() -> None:
    window = RollingPercentile()
    t = 0.0
    window.add(150.0, t)
    t += 1800
    window.add(150.0, t)
    assert window.value() is None  # half an hour: not enough
    # Two more hours: mostly 150 W, with a 2 kW kettle for ten minutes and a 60 W dip for 30 s.
    rng = random.Random(150)
    for _ in range(12):
        window.add(150.0 + rng.uniform(0, 4), t)
        t += 600
    window.add(2000.0, t)
    t += 600
    window.add(60.0, t)
    t += 30
    window.add(150.0, t)
    t += 600
    window.add(150.0, t)
    # The 30 s dip is under 1 % of the time: the 1st percentile is the base load.
    assert window.value() == pytest.approx(150.0)


def test_window_memory_is_bounded_and_old_data_leaves() -> None:
    window = RollingPercentile()
    t = 0.0
    for _ in range(3 * 24 * 60):  # three days, one reading a minute
        window.add(500.0 if t < 24 * 3600 else 100.0, t)
        t += 60
    assert len(window.slots) <= WINDOW_S // SLOT_S + 1
    assert window.value() == pytest.approx(100.0)  # the first day's 500 W has left the window
    restored = RollingPercentile.from_dict(window.as_dict())
    assert restored.value() == window.value()


def test_a_long_silence_is_not_credited_to_the_last_value() -> None:
    window = RollingPercentile()
    window.add(3000.0, 0)
    window.add(100.0, 10 * 3600)  # ten hours later (Home Assistant was off)
    assert window.coverage_s == pytest.approx(600)  # at most MAX_HOLD_S


def test_step_detector_ignores_noise_and_needs_a_lasting_level() -> None:
    detector = StepDetector(threshold_w=30, settle_s=8)
    t = 0.0
    for value in [150, 155, 147, 152, 160, 141, 150]:  # noise within +-15 W
        assert detector.add(value, t) is None
        t += 5
    assert detector.add(2150, t) is None  # one reading is not yet a lasting level
    assert detector.add(400, t + 2) is None  # a spike that did not last: the candidate restarts
    t += 5
    assert detector.add(2150, t) is None
    step = detector.add(2148, t + 5)
    assert step is None  # 5 s < settle
    step = detector.add(2152, t + 10)
    assert step is not None
    assert step.size_w == pytest.approx(2000, abs=5)
    assert detector.steady_w == pytest.approx(2150, abs=5)


def test_noise_band_grows_with_the_level() -> None:
    """At 3 kW a 2 % flicker (60 W) is noise, not an appliance; at 150 W, 30 W is a step."""
    detector = StepDetector(threshold_w=30, settle_s=8)
    detector.add(3000, 0)
    assert all(detector.add(3000 + d, t) is None for t, d in enumerate([50, -55, 40, 58, -48], 1))
    low = StepDetector(threshold_w=30, settle_s=8)
    low.add(150, 0)
    low.add(182, 5)
    assert low.add(181, 15) is not None


def test_pairing_tolerance_follows_hart() -> None:
    assert steps_match(120, -140)
    assert not steps_match(120, -160)
    assert steps_match(2000, -2060)  # 3.5 % of 2 kW is 70 W
    assert not steps_match(2000, -2080)


def test_pairer_reports_the_run_of_the_matching_appliance() -> None:
    pairer = StepPairer()
    pairer.step_up(Step(0, 120, 150, 270), "unknown")  # fridge
    pairer.step_up(Step(60, 2400, 270, 2670), "unknown")  # oven, while the fridge runs
    fridge = pairer.step_down(Step(600, -118, 2670, 2552), "unknown")
    assert fridge is not None and fridge.on_time_s == 600
    assert fridge.energy_wh == pytest.approx(119 * 600 / 3600)
    oven = pairer.step_down(Step(1860, -2390, 2552, 162), "unknown")
    assert oven is not None and oven.on_time_s == 1800
    assert pairer.step_down(Step(1900, -500, 162, -338), "unknown") is None


def test_device_changes_name_the_device_behind_a_step() -> None:
    changes = DeviceChanges(window_s=15)
    changes.add("sensor.kettle_power", 1990, 100)
    changes.add("sensor.lamp_power", 9, 101)
    assert changes.match(Step(104, 2000, 150, 2150)) == "sensor.kettle_power"
    assert changes.match(Step(200, 2000, 150, 2150)) == "unknown"  # too late
    assert changes.match(Step(104, -2000, 2150, 150)) == "unknown"  # wrong direction


@pytest.mark.parametrize(
    ("home", "tracked", "always_on", "other"),
    [(1000, 300, 150, 550), (400, 350, 150, 0), (500, 0, None, 500)],
)
def test_other_is_never_negative(home, tracked, always_on, other) -> None:
    assert other_power(home, tracked, always_on) == other
