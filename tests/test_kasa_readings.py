"""Decoding Kasa answers: the real captures decode to their values; bad answers never do."""

from __future__ import annotations

import json

import pytest

from custom_components.lanmeter.kasa.readings import (
    KasaAnswerError,
    module_answer,
    parse_day_energy,
    parse_realtime,
    parse_sysinfo,
)
from tests.conftest import captures_dir


def capture(name: str) -> dict:
    return json.loads((captures_dir("kasa") / name).read_text())


def test_hs300_capture_decodes_milli_units() -> None:
    data = capture("HS300(US)_1.0_1.0.21.json")
    realtime = parse_realtime(module_answer(data, "emeter", "get_realtime"))
    assert realtime.power_w == pytest.approx(62.430)
    assert realtime.voltage_v == pytest.approx(118.389)
    assert realtime.current_a == pytest.approx(0.544)
    assert realtime.total_kwh == pytest.approx(26.889)
    info = parse_sysinfo(module_answer(data, "system", "get_sysinfo"))
    assert info.model == "HS300(US)"
    assert info.has_meter and info.is_strip
    assert len(info.outlets) == 6
    assert all(o.is_on for o in info.outlets)
    assert info.rssi == -39
    assert info.led_on


def test_hs110_v1_capture_decodes_si_units() -> None:
    data = capture("HS110(US)_1.0_1.2.6.json")
    realtime = parse_realtime(module_answer(data, "emeter", "get_realtime"))
    assert realtime.power_w == pytest.approx(7.677094)
    assert realtime.voltage_v == pytest.approx(118.917389)
    assert realtime.total_kwh == pytest.approx(30.404)
    info = parse_sysinfo(module_answer(data, "system", "get_sysinfo"))
    assert not info.is_strip
    assert info.outlets[0].is_on
    assert info.outlets[0].child_id is None


@pytest.mark.parametrize("name", ["KP303(US)_2.0_1.0.9.json", "HS107(US)_1.0_1.0.8.json"])
def test_strips_without_meter(name: str) -> None:
    data = capture(name)
    info = parse_sysinfo(module_answer(data, "system", "get_sysinfo"))
    assert not info.has_meter
    assert info.is_strip
    if "emeter" in data:
        with pytest.raises(KasaAnswerError, match="err_code -1"):
            module_answer(data, "emeter", "get_realtime")


@pytest.mark.parametrize(
    "answer",
    [
        {"emeter": {"err_code": -1, "err_msg": "module not support"}},
        {"emeter": {"get_realtime": {"err_code": -2, "err_msg": "member not support"}}},
        {"emeter": {"get_realtime": {"err_code": -14, "err_msg": "entry not exist"}}},
        {"emeter": {"get_realtime": {"power_mw": "12", "voltage_mv": 1, "current_ma": 1}}},
        {"emeter": {"get_realtime": {"power_mw": 1, "voltage_mv": 1, "current_ma": 1}}},
        {"emeter": {"get_realtime": {"power": float("nan"), "voltage": 1, "current": 1}}},
        {
            "emeter": {
                "get_realtime": {"power_mw": -5, "voltage_mv": 1, "current_ma": 1, "total_wh": 1}
            }
        },
        {"emeter": []},
        [],
    ],
)
def test_bad_realtime_answers_raise_instead_of_giving_a_value(answer) -> None:
    with pytest.raises(KasaAnswerError):
        parse_realtime(module_answer(answer, "emeter", "get_realtime"))


def test_day_energy_in_both_styles() -> None:
    assert (
        parse_day_energy(
            {"day_list": [{"year": 2026, "month": 11, "day": 22, "energy_wh": 1530}]}, 2026, 11, 22
        )
        == 1.53
    )
    assert (
        parse_day_energy(
            {"day_list": [{"year": 2026, "month": 11, "day": 22, "energy": 0.4}]}, 2026, 11, 22
        )
        == 0.4
    )
    assert parse_day_energy({"day_list": []}, 2026, 11, 22) == 0.0
    with pytest.raises(KasaAnswerError):
        parse_day_energy({}, 2026, 11, 22)
