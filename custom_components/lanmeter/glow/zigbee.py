"""Decode the CAD's /zb02 upload: ZigBee Smart Energy attributes as big-endian hex strings.

Pure Python. See protocols/glow.md: cluster 0702 (metering) attribute sets 00 (summations),
03 (formatting: unit, multiplier, divisor, device type, MPAN/MPRN), 04 (electricity demand and
day/week/month), 0C (gas day/week/month in the alternative unit, kWh); 0708.01.01 is the supplier.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
import re
from typing import Any

from .readings import GlowReading, clean_identifier, nested, plausible_time

UNIT_KWH = "00"
UNIT_M3 = "01"
# ZigBee attributes are 1 to 8 bytes, sent as big-endian hex digits only: int(x, 16) alone would
# also take "-9C4", "0x..", "_" separators and thousands of digits.
HEX_ATTRIBUTE = re.compile(r"(?:[0-9A-Fa-f]{2}){1,8}")
MAX_TEXT = 64  # identifiers, versions: longer is not a CAD's


class GlowPayloadError(Exception):
    """The body is not an upload at all (not a JSON object of the documented shape)."""


class GlowValueError(GlowPayloadError):
    """An upload with an attribute no CAD sends (malformed hex, oversized): refused whole."""


def unsigned(text: Any) -> int:
    if not isinstance(text, str) or not HEX_ATTRIBUTE.fullmatch(text):
        raise ValueError(f"not a hex attribute: {str(text)[:40]!r}")
    return int(text, 16)


def signed(text: Any) -> int:
    """Two's complement over the string's own width ("FFFFFCEF" -> -785, "BF" -> -65)."""
    value = unsigned(text)
    bits = len(text) * 4
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _hex(parse: Callable[[Any], int], raw: Any, what: str) -> int:
    try:
        return parse(raw)
    except ValueError as err:
        raise GlowValueError(f"{what}: {err}") from err


def _text(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise GlowValueError(f"{what}: not a text of at most {MAX_TEXT} characters")
    return value


def _attr(data: dict[str, Any], *path: str) -> Any:
    return nested(data, *path)


class _Meter:
    """One meter's 0702 cluster with its formatting."""

    def __init__(self, name: str, meter: dict[str, Any], reading: GlowReading) -> None:
        self.name = name
        self.cluster = _attr(meter, "0702") or {}
        self.reading = reading
        self.scale: float | None = None
        multiplier = _hex(unsigned, _attr(self.cluster, "03", "01") or "01", f"{name} multiplier")
        divisor = _hex(unsigned, _attr(self.cluster, "03", "02") or "01", f"{name} divisor")
        if multiplier and divisor:
            self.scale = multiplier / divisor
        if self.scale is None:
            reading.rejected.append(f"{name}: no usable multiplier/divisor")
        self.unit = _attr(self.cluster, "03", "00")

    def _reject(self, what: str, why: str) -> None:
        self.reading.rejected.append(f"{self.name} {what}: {why}")

    def register(self, attribute_set: str, attribute: str, what: str) -> float | None:
        """A cumulative register: never zero, never all ones (the meter's "no value")."""
        return self._scaled(attribute_set, attribute, what, zero_is_error=True)

    def counter(self, attribute_set: str, attribute: str, what: str) -> float | None:
        """A day/week/month counter: zero is a real value (just after the meter's midnight)."""
        return self._scaled(attribute_set, attribute, what, zero_is_error=False)

    def _scaled(
        self, attribute_set: str, attribute: str, what: str, *, zero_is_error: bool
    ) -> float | None:
        raw = _attr(self.cluster, attribute_set, attribute)
        if raw is None or self.scale is None:
            return None
        value = _hex(unsigned, raw, f"{self.name} {what}")
        if value == (1 << (len(raw) * 4)) - 1:
            self._reject(what, f"{raw} means no value")
            return None
        if zero_is_error and value == 0:
            self._reject(what, "a cumulative register of 0 is a reading error")
            return None
        return round(value * self.scale, 3)

    def demand_w(self) -> float | None:
        """Instantaneous demand, signed (negative while exporting), in W."""
        raw = _attr(self.cluster, "04", "00")
        if raw is None or self.scale is None:
            return None
        value = _hex(signed, raw, f"{self.name} power")
        # 0x800000 sign-extended (-8388.608 kW) is the meter's error value, at any width.
        if value in (-(1 << 23), -(1 << (len(raw) * 4 - 1))):
            self._reject("power", f"{raw} is the meter's error value")
            return None
        return round(value * self.scale * 1000, 3)


def decode_upload(body: Any, received: datetime) -> GlowReading:
    """Decode one JSON upload. Raises GlowPayloadError only when it is not an upload at all."""
    if not isinstance(body, dict) or not ({"elecMtr", "gasMtr", "pan"} & body.keys()):
        raise GlowPayloadError("not a /zb02 upload: no elecMtr, gasMtr or pan")
    reading = GlowReading()

    if isinstance(elec := body.get("elecMtr"), dict):
        meter = _Meter("electricity", elec, reading)
        if meter.unit not in (None, UNIT_KWH):
            reading.rejected.append(f"electricity: unit {meter.unit} is not kWh")
        else:
            reading.import_kwh = meter.register("00", "00", "import")
            reading.export_kwh = meter.register("00", "01", "export")
            reading.power_w = meter.demand_w()
            reading.import_today_kwh = meter.counter("04", "01", "today")
            reading.import_week_kwh = meter.counter("04", "30", "week")
            reading.import_month_kwh = meter.counter("04", "40", "month")
        reading.mpan = clean_identifier(_text(_attr(meter.cluster, "03", "07"), "MPAN"))
        reading.supplier = clean_identifier(_text(_attr(elec, "0708", "01", "01"), "supplier"))

    if isinstance(gas := body.get("gasMtr"), dict):
        meter = _Meter("gas", gas, reading)
        total = meter.register("00", "00", "register")
        if meter.unit == UNIT_M3:
            reading.gas_m3 = total
        elif meter.unit == UNIT_KWH:
            reading.gas_kwh = total
        reading.gas_today_kwh = meter.counter("0C", "01", "today")
        reading.gas_week_kwh = meter.counter("0C", "30", "week")
        reading.gas_month_kwh = meter.counter("0C", "40", "month")
        reading.mprn = clean_identifier(_text(_attr(meter.cluster, "03", "07"), "MPRN"))

    pan = nested(body, "pan")
    pan = pan if isinstance(pan, dict) else {}
    reading.han_rssi_dbm = _hex(signed, pan["rssi"], "pan rssi") if "rssi" in pan else None
    reading.han_lqi = _hex(unsigned, pan["lqi"], "pan lqi") if "lqi" in pan else None
    reading.hardware = _text(body.get("hversion"), "hversion")
    reading.firmware = _text(body.get("zbSoftVer"), "zbSoftVer")

    claimed = None
    if "time" in body:
        seconds = _hex(unsigned, body["time"], "time")
        try:
            claimed = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            reading.rejected.append(f"time {body['time']!r} is out of range")
    reading.device_time = claimed
    reading.read_at = plausible_time(claimed, received)
    if claimed is not None and reading.read_at is received:
        reading.rejected.append(f"device time {claimed.isoformat()} is implausible")
    return reading
