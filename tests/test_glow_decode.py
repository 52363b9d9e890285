"""Glow decoding: real captures decode to their known values; known bad values never do."""

from __future__ import annotations

from datetime import UTC, date, datetime
import json
from typing import Any

import pytest

from custom_components.lanmeter.glow.cost import CostToday
from custom_components.lanmeter.glow.local_mqtt import decode_message, parse_topic
from custom_components.lanmeter.glow.tariff import TariffError, decode_tariff
from custom_components.lanmeter.glow.zigbee import (
    GlowPayloadError,
    GlowValueError,
    decode_upload,
    signed,
)
from devkit.simulators.glow_cad import ScriptedMeter, tariff_text, upload_body
from tests.conftest import captures_dir

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def capture(name: str) -> Any:
    return json.loads((captures_dir("glow") / name).read_text())


def paths(data: Any, prefix: str = "") -> set[str]:
    if not isinstance(data, dict):
        return {prefix}
    return {p for key, value in data.items() for p in paths(value, f"{prefix}/{key}")}


def test_raw_capture_decodes_to_the_documented_values() -> None:
    """The values listed in captures/README.md."""
    reading = decode_upload(capture("raw_zigbee_hex_message.json"), NOW)
    assert reading.import_kwh == pytest.approx(5072.076)
    assert reading.power_w == pytest.approx(2547)
    assert reading.import_today_kwh == pytest.approx(7.971)
    assert reading.gas_m3 == pytest.approx(2282.363)
    assert reading.gas_today_kwh == pytest.approx(39.452)
    assert reading.han_rssi_dbm == -65
    assert reading.han_lqi == 140
    assert reading.read_at == datetime(2020, 10, 6, 20, 53, 16, tzinfo=UTC)
    assert reading.mpan == "1023497978063"
    assert reading.mprn == "7443608110"
    assert reading.supplier == "NPOWER NORTHERN"
    # The capture's export register is 000000000000: a zero register is rejected, not shown.
    assert reading.export_kwh is None
    assert any("export" in r for r in reading.rejected)


def test_simulator_upload_has_the_capture_shape_and_round_trips() -> None:
    real = capture("raw_zigbee_hex_message.json")
    simulated = upload_body(ScriptedMeter(clock=NOW.timestamp()))
    assert paths(simulated) == paths(real)
    reading = decode_upload(simulated, NOW)
    meter = ScriptedMeter()
    assert reading.import_kwh == pytest.approx(meter.import_kwh)
    assert reading.export_kwh == pytest.approx(meter.export_kwh)
    assert reading.power_w == pytest.approx(meter.power_w)
    assert reading.gas_m3 == pytest.approx(meter.gas_m3)
    assert reading.read_at == NOW


@pytest.mark.parametrize(
    ("text", "value"), [("FFFFFCEF", -785), ("000009F3", 2547), ("BF", -65), ("7F", 127)]
)
def test_signed_hex_extends_by_width(text: str, value: int) -> None:
    assert signed(text) == value


def _with(path: list[str], value: str) -> dict:
    body = upload_body(ScriptedMeter(clock=NOW.timestamp()))
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["elecMtr", "0702", "04", "00"], "FF800000", "power_w"),  # -8388.608 kW
        (["elecMtr", "0702", "04", "00"], "800000", "power_w"),
        (["elecMtr", "0702", "00", "00"], "FFFFFFFFFFFF", "import_kwh"),
        (["elecMtr", "0702", "00", "00"], "000000000000", "import_kwh"),
        (["gasMtr", "0702", "00", "00"], "FFFFFFFFFFFF", "gas_m3"),
        (["elecMtr", "0702", "03", "07"], "read pending", "mpan"),
        (["gasMtr", "0702", "03", "07"], "EMPTY", "mprn"),
        (["elecMtr", "0708", "01", "01"], "---", "supplier"),
    ],
)
def test_known_bad_values_are_rejected(path: list[str], value: str, field: str) -> None:
    reading = decode_upload(_with(path, value), NOW)
    assert getattr(reading, field) is None


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["elecMtr", "0702", "00", "00"], "XYZ"),
        (["elecMtr", "0702", "00", "00"], "-9C4"),
        (["elecMtr", "0702", "00", "00"], "0x09C4"),
        (["elecMtr", "0702", "00", "00"], "09_C4"),
        (["elecMtr", "0702", "00", "00"], "0" * 4000 + "1"),  # oversized
        (["elecMtr", "0702", "04", "00"], " 9C4"),
        (["elecMtr", "0702", "03", "02"], "1e3"),
        (["elecMtr", "0702", "03", "07"], "1" * 500),  # oversized MPAN
        (["pan", "rssi"], 12),
        (["time"], "-1"),
        (["hversion"], "GLOW" * 100),
    ],
)
def test_malformed_attributes_refuse_the_whole_upload(path: list[str], value: Any) -> None:
    """No CAD sends these: the upload is refused (400), nothing of it is applied."""
    with pytest.raises(GlowValueError):
        decode_upload(_with(path, value), NOW)


def test_zero_divisor_rejects_scaled_values_instead_of_dividing() -> None:
    reading = decode_upload(_with(["elecMtr", "0702", "03", "02"], "00000000"), NOW)
    assert reading.import_kwh is None and reading.power_w is None
    assert reading.gas_m3 is not None  # the gas meter has its own formatting


def test_1970_clock_uses_the_receive_time() -> None:
    reading = decode_upload(_with(["time"], "00000010"), NOW)
    assert reading.read_at == NOW
    assert any("implausible" in r for r in reading.rejected)


@pytest.mark.parametrize("body", [[], "x", {"foo": 1}, None, 42])
def test_not_an_upload(body: Any) -> None:
    with pytest.raises(GlowPayloadError):
        decode_upload(body, NOW)


def test_tariff_text_from_the_simulator_decodes() -> None:
    tariff = decode_tariff(tariff_text(ScriptedMeter(unit_pence=24.5, standing_pence=53.35)))
    assert tariff.unit_rate_gbp == pytest.approx(0.245)
    assert tariff.standing_charge_gbp == pytest.approx(0.5335)
    assert tariff.times[0] is not None and tariff.times[0].year >= 2025


@pytest.mark.parametrize(
    "text",
    [
        "EPRICE:1,2,3",
        "ESTDCHG:10",
        "EPRICE:zz,1",
        "hello",
        "EPRICE:" + ",".join(["-1"] * 13),
        "EPRICE:" + ",".join(["0x10"] * 13),
        "EPRICE:" + ",".join(["1_0"] * 13),
        "EPRICE:" + ",".join(["1"] * 5 + ["FFFFFFFFFFFFFFFF"] + ["1"] * 7),  # time past 2^63
        "EPRICE:" + ",".join(["1"] * 5000),
    ],
)
def test_bad_tariff_text(text: str) -> None:
    with pytest.raises(TariffError):
        decode_tariff(text)


def test_local_mqtt_captures_decode() -> None:
    elec = decode_message(
        "SENSOR/electricitymeter", capture("local_mqtt_electricitymeter.json"), NOW
    )
    assert elec.power_w == pytest.approx(425)
    assert elec.import_kwh == pytest.approx(15254.827)
    assert elec.import_today_kwh == pytest.approx(3.717)
    assert elec.import_month_kwh == pytest.approx(60.439)
    assert elec.unit_rate_gbp == pytest.approx(0.16401)
    assert elec.standing_charge_gbp == pytest.approx(0.19383)
    assert elec.supplier == "Octopus Energy"
    assert elec.export_kwh is None  # cumulative 0.0: a reading error, not a value
    gas = decode_message("SENSOR/gasmeter", capture("local_mqtt_gasmeter.json"), NOW)
    assert gas.gas_m3 == pytest.approx(5995.276)
    assert gas.gas_kwh == pytest.approx(66589.57)
    assert gas.gas_today_kwh == pytest.approx(17.326)
    assert gas.supplier is None
    state = decode_message("STATE", capture("local_mqtt_state.json"), NOW)
    assert state.han_rssi_dbm == -88
    assert state.han_lqi == 48
    assert state.firmware == "v2.0.2"


def test_mqtt_meter_error_power_is_rejected() -> None:
    message = capture("local_mqtt_electricitymeter.json")
    message["electricitymeter"]["power"]["value"] = -8388.608
    assert decode_message("SENSOR/electricitymeter", message, NOW).power_w is None


def test_topics() -> None:
    assert parse_topic("glow/BCDDC2C6A91C/STATE", "glow") == ("BCDDC2C6A91C", "STATE")
    assert parse_topic("glow/BCDDC2C6A91C/SENSOR/gasmeter", "glow") == (
        "BCDDC2C6A91C",
        "SENSOR/gasmeter",
    )
    assert parse_topic("other/BCDDC2C6A91C/STATE", "glow") is None
    assert parse_topic("glow/nothex/STATE", "glow") is None


def test_cost_today_does_not_jump_when_the_rate_changes() -> None:
    cost = CostToday()
    day = date(2026, 11, 22)
    assert cost.update(day, 100.0, 0.20, 0.50) == pytest.approx(0.50)  # standing charge
    assert cost.update(day, 102.0, 0.20, 0.50) == pytest.approx(0.90)  # 2 kWh at 20p
    # The rate doubles at noon: the morning's 2 kWh keep their price.
    assert cost.update(day, 103.0, 0.40, 0.50) == pytest.approx(1.30)
    # A new day starts over with its standing charge.
    assert cost.update(date(2026, 11, 23), 104.0, 0.40, 0.50) == pytest.approx(0.90)
    restored = CostToday.from_dict(cost.as_dict())
    assert restored.update(date(2026, 11, 23), 104.5, 0.40, 0.50) == pytest.approx(1.10)
    # A replaced meter (lower register) adds nothing.
    assert restored.update(date(2026, 11, 23), 3.0, 0.40, 0.50) == pytest.approx(1.10)
