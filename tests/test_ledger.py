"""The ledger rule for every cumulative register (HA-free): no single bad reading books anything,
a reset read late loses nothing, a restart between the two changes nothing."""

from __future__ import annotations

import pytest

from custom_components.lanmeter.ledger import Ledger, RegisterLimits, Verdict
from custom_components.lanmeter.stored import StoredRecordError

# A 1.8 kW outlet metered in kWh to the Wh.
OUTLET = RegisterLimits(max_per_s=1.8 / 3600, resolution=0.001)
POLL_S = 30.0
KW_1 = 1.0 / 3600  # kWh per second at 1 kW


def feed(ledger: Ledger, readings: list[float], start: float = 0.0) -> list[Verdict]:
    return [ledger.update(raw, start + i * POLL_S, OUTLET) for i, raw in enumerate(readings)]


@pytest.mark.parametrize(
    "bad",
    [0.0, 13.8, 27.640 * 10, 2.764],  # a zero, a low value, a spike, a missing digit
    ids=["zero", "low", "spike", "missing digit"],
)
def test_one_bad_reading_books_nothing(bad: float) -> None:
    ledger = Ledger()
    verdicts = feed(ledger, [27.640, 27.645, bad, 27.650, 27.655])
    assert verdicts == [
        Verdict.BOOKED,
        Verdict.BOOKED,
        Verdict.HELD,
        Verdict.GLITCH,
        Verdict.BOOKED,
    ]
    assert ledger.value == pytest.approx(27.655)
    assert ledger.counts() == {"held": 1, "glitches": 1, "resets": 0, "rebases": 0, "holding": 0}


def test_a_reset_read_promptly_is_confirmed_by_the_readings_after_it() -> None:
    ledger = Ledger()
    verdicts = feed(ledger, [27.640, 0.0, 0.01, 0.02])
    assert verdicts == [Verdict.BOOKED, Verdict.HELD, Verdict.HELD, Verdict.RESET]
    assert ledger.value == pytest.approx(27.660)  # nothing lost: 27.64 + 0.02 since the cut


def test_a_reset_read_late_above_half_loses_nothing() -> None:
    """Down for two hours: the young register is back at 1.25 of the old 2.0 kWh."""
    ledger = Ledger()
    ledger.update(2.0, 0.0, OUTLET)
    start = 2 * 3600.0
    verdicts = [ledger.update(1.25 + i * 0.005, start + i * POLL_S, OUTLET) for i in range(3)]
    assert verdicts == [Verdict.HELD, Verdict.HELD, Verdict.RESET]
    assert ledger.value == pytest.approx(2.0 + 1.26)


def test_a_restart_between_the_glitch_and_the_recovery_changes_nothing() -> None:
    ledger = Ledger()
    feed(ledger, [27.640, 0.0])
    restored = Ledger.from_dict(ledger.as_dict())
    assert restored.update(27.645, 2 * POLL_S, OUTLET) is Verdict.GLITCH
    assert restored.value == pytest.approx(27.645)


def test_the_time_between_readings_includes_downtime() -> None:
    """A rise the device could not reach in one poll is held; after a day away it is booked."""
    ledger = Ledger()
    ledger.update(1.0, 0.0, OUTLET)
    assert ledger.update(2.0, POLL_S, OUTLET) is Verdict.HELD
    ledger = Ledger.from_dict({"offset": 0.0, "last_raw": 1.0} | {})  # a 0.2.0 record: no time
    assert ledger.update(30.0, 10.0, OUTLET) is Verdict.BOOKED
    ledger = Ledger()
    ledger.update(1.0, 0.0, OUTLET)
    assert ledger.update(30.0, 86400.0, OUTLET) is Verdict.BOOKED


def test_a_new_level_that_holds_is_a_new_baseline_not_energy() -> None:
    """A meter exchanged for one reading 5000 kWh higher: the step is never booked, the growth
    after it is."""
    ledger = Ledger()
    feed(ledger, [100.0, 100.001])
    verdicts = feed(ledger, [5100.0, 5100.001, 5100.002], start=2 * POLL_S)
    assert verdicts == [Verdict.HELD, Verdict.HELD, Verdict.REBASED]
    assert ledger.value == pytest.approx(100.003)
    # A fall to a level no restart could have reached since (a register set lower) too.
    feed(ledger, [40.0, 40.001, 40.002], start=5 * POLL_S)
    assert ledger.value == pytest.approx(100.005)
    assert ledger.rebases == 2


def test_a_register_frozen_while_the_load_runs_is_not_a_reset() -> None:
    """The device reads 0 for two minutes while it says 1 kW flows: held, never booked; when
    the real register comes back it is a glitch."""
    ledger = Ledger()
    ledger.update(27.640, 0.0, OUTLET, rate=KW_1)
    for i in range(1, 5):
        assert ledger.update(0.0, i * POLL_S, OUTLET, rate=KW_1) is Verdict.HELD
    assert ledger.update(27.640 + 5 * POLL_S * KW_1, 5 * POLL_S, OUTLET, rate=KW_1) is (
        Verdict.GLITCH
    )
    assert ledger.value == pytest.approx(27.640 + 5 * POLL_S * KW_1)


def test_a_device_that_says_it_restarted_is_believed_after_one_more_reading() -> None:
    ledger = Ledger()
    ledger.update(0.5, 0.0, OUTLET)
    # Down for an hour; the register restarted and is already above the old level.
    assert ledger.update(0.9, 3600.0, OUTLET, restarted=True) is Verdict.HELD
    assert ledger.update(0.901, 3600.0 + POLL_S, OUTLET) is Verdict.RESET
    assert ledger.value == pytest.approx(0.5 + 0.901)


def test_rounding_never_makes_the_total_go_down() -> None:
    ledger = Ledger()
    feed(ledger, [5.0, 4.999, 5.0])
    assert ledger.value == 5.0
    assert ledger.counts()["held"] == 0


def test_stored_records_load_strictly() -> None:
    assert Ledger.from_dict({"offset": 1, "last_raw": 2.5}).value == 3.5
    for bad in (
        {"offset": "1", "last_raw": 2.0},
        {"offset": 1.0},
        {"offset": 1.0, "last_raw": None, "x": 1},
        {"offset": True, "last_raw": None},
        {"offset": float("nan"), "last_raw": None},
        ["offset", 1.0],
        Ledger(held_count=2).as_dict(),  # a held run without its readings
    ):
        with pytest.raises(StoredRecordError):
            Ledger.from_dict(bad)
    with pytest.raises(ValueError):
        Ledger().update(-1, 0.0, OUTLET)
