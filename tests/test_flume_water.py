"""Flume decoding and water maths alone: decryption, pulse timing, leak rules."""

from __future__ import annotations

import json

import pytest

from custom_components.lanmeter.flume.messages import (
    FlumeMessageError,
    decode_payload,
    flow_samples,
    make_box,
    parse_topic,
)
from custom_components.lanmeter.flume.secretbox import SecretBox
from custom_components.lanmeter.flume.water import (
    LeakState,
    PulseMeter,
    RuleSettings,
    legacy_ledger,
)

KEY = bytes(range(32))


def test_secretbox_payloads_decrypt_with_the_device_key() -> None:
    box = SecretBox(KEY, "12345678")
    payload = json.dumps([{"timestamp": 1, "value": 5}]).encode()
    ciphertext = box.encrypt(payload, msg_id=0)
    assert len(ciphertext) == len(payload) + 36  # as observed: plaintext + 36 bytes
    assert decode_payload(ciphertext, make_box(KEY.hex())) == [{"timestamp": 1, "value": 5}]
    with pytest.raises(FlumeMessageError, match="does not decrypt"):
        decode_payload(ciphertext, make_box("ab" * 32))
    with pytest.raises(FlumeMessageError, match="needs the device key"):
        decode_payload(ciphertext, None)
    assert decode_payload(b'{"plain": true}', None) == {"plain": True}
    # A keyed entry takes nothing in plain text: any broker client could have sent it.
    with pytest.raises(FlumeMessageError, match="does not decrypt"):
        decode_payload(b'[{"timestamp": 1, "value": 5}]', make_box(KEY.hex()))
    with pytest.raises(ValueError):
        make_box("not hex")


def test_topics() -> None:
    topic = parse_topic("2/1/12/4B1D7E55F1A3C0DE/1700000000")
    assert topic is not None and topic.kind == 1 and topic.device_id == "4B1D7E55F1A3C0DE"
    assert parse_topic("responses/4B1D7E55F1A3C0DE/x") is None
    assert parse_topic("2/1/12/short/1") is None


@pytest.mark.parametrize(
    "data", [[], {}, [{"timestamp": "x", "value": 1}], [{"timestamp": 1, "value": -1}], [1]]
)
def test_bad_flow_messages(data) -> None:
    with pytest.raises(FlumeMessageError):
        flow_samples(data)


def test_low_flow_is_not_zero_between_pulses() -> None:
    """A dripping tap: one pulse every 20 s. Between pulses the rate is not zero."""
    meter = PulseMeter()
    t = 0.0
    for n in range(6):
        meter.add(n, t)
        t += 20
    assert meter.pulses_per_s() == pytest.approx(1 / 20)
    meter.add(5, t - 20 + 5)  # 5 s after the last pulse, no new one yet
    assert meter.pulses_per_s() == pytest.approx(1 / 20)
    meter.add(5, t - 20 + 40)  # 40 s: the flow cannot be faster than 1 per 40 s
    assert meter.pulses_per_s() == pytest.approx(1 / 40)
    meter.add(5, t - 20 + 100)  # 100 s without a pulse: stopped
    assert meter.pulses_per_s() == 0


def test_the_counter_takes_replays_never_and_lower_counts_only_when_newer() -> None:
    meter = PulseMeter()
    assert meter.add(1000, 10)
    assert meter.add(1010, 20)
    assert not meter.add(1010, 20)  # a repeat adds nothing
    # Higher, but stamped earlier (a clock set back): the pulses count; the time does not.
    assert meter.add(1020, 15)
    assert meter.last_time == 20
    assert not meter.add(1005, 20)  # lower and not newer: a replay
    # Lower and newer: the counter as read (the ledger tells a reset from a glitch), timed anew.
    assert meter.add(3, 40)
    assert meter.add(5, 50)
    assert meter.counter == 5
    assert meter.pulses_per_s() == pytest.approx(2 / 10)  # timed within the new count only
    assert meter.out_of_order == 2
    assert PulseMeter.from_dict(meter.as_dict()).counter == 5


def test_a_stored_020_meter_becomes_its_ledger() -> None:
    old = {**PulseMeter(1020, 20.0).as_dict(), "reset_offset": 5000, "went_backwards": 1}
    assert PulseMeter.from_dict(old).counter == 1020
    ledger = legacy_ledger(old)
    assert ledger is not None and ledger.value == 6020 and ledger.last_at == 20.0
    assert legacy_ledger(PulseMeter().as_dict()) is None


def test_pulses_at_an_unknown_time_count_and_the_next_timed_change_spans_them() -> None:
    meter = PulseMeter()
    for n in range(5):
        meter.add(100 + n, 30.0 * n)  # a pulse every 30 s, the last at 120 s
    assert meter.add(106, None)  # the device's clock is in doubt: counted, not timed
    assert meter.counter == 106 and meter.pulses_per_s() == pytest.approx(1 / 30)
    assert not meter.add(106, None)
    meter.add(108, 240.0)  # four pulses since 120 s: still one per 30 s
    assert meter.pulses_per_s() == pytest.approx(1 / 30)


def test_leak_rules_start_and_clear_themselves() -> None:
    rules = RuleSettings(continuous_min=120, high_flow_l_min=18.93, high_flow_min=15)
    leaks = LeakState()
    assert leaks.update(0, 0.4, False, rules) == []
    assert leaks.update(119 * 60, 0.4, False, rules) == []
    assert leaks.update(120 * 60, 0.4, False, rules) == ["leak_started"]
    assert leaks.update(121 * 60, 0.0, False, rules) == ["leak_cleared"]
    assert leaks.update(122 * 60, 40.0, False, rules) == []
    assert leaks.update(137 * 60, 40.0, False, rules) == ["high_flow_started"]
    assert leaks.update(138 * 60, 1.0, False, rules) == ["high_flow_cleared"]
    assert leaks.update(139 * 60, 1.0, True, rules) == ["leak_started"]  # away: any flow
