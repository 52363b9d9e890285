"""Decode the CAD's local MQTT messages (firmware feature): STATE and SENSOR/<meter>. Pure Python.

Topics: <prefix>/<MAC>/STATE, <prefix>/<MAC>/SENSOR/electricitymeter, .../SENSOR/gasmeter. Values
are already scaled: power in kW, energy in kWh, gas volume in m3 ("dayvol" etc. are kWh).
"""

from __future__ import annotations

from datetime import datetime
import math
import re
from typing import Any

from .readings import GlowReading, clean_identifier, nested, plausible_time

MAC_TOPIC = re.compile(r"^(?P<prefix>.+)/(?P<mac>[0-9A-F]{12})/(?P<rest>STATE|SENSOR/\w+)$")
METER_ERROR_KW = -8388.608


class GlowMessageError(ValueError):
    """Not a message of the documented shape."""


def parse_topic(topic: str, prefix: str) -> tuple[str, str] | None:
    """(MAC, kind) for a CAD topic under the prefix; None for anything else."""
    match = MAC_TOPIC.match(topic)
    if not match or match["prefix"] != prefix:
        return None
    return match["mac"], match["rest"]


def _number(data: Any, *path: str) -> float | None:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    if isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
        return None
    return float(data)


def _time(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _register(reading: GlowReading, value: float | None, what: str) -> float | None:
    if value is not None and value <= 0:
        reading.rejected.append(f"{what}: a cumulative register of {value} is a reading error")
        return None
    return value


def decode_message(kind: str, payload: Any, received: datetime) -> GlowReading:
    """Decode one message of kind STATE, SENSOR/electricitymeter or SENSOR/gasmeter."""
    if not isinstance(payload, dict):
        raise GlowMessageError("payload is not a JSON object")
    reading = GlowReading()
    if kind == "STATE":
        han = payload.get("han") if isinstance(payload.get("han"), dict) else {}
        rssi, lqi = _number(han, "rssi"), _number(han, "lqi")
        reading.han_rssi_dbm = int(rssi) if rssi is not None else None
        reading.han_lqi = int(lqi) if lqi is not None else None
        reading.firmware = (
            payload.get("software") if isinstance(payload.get("software"), str) else None
        )
        reading.hardware = (
            payload.get("hardware") if isinstance(payload.get("hardware"), str) else None
        )
        reading.device_time = _time(payload.get("timestamp"))
        reading.read_at = plausible_time(reading.device_time, received)
        return reading
    if kind == "SENSOR/electricitymeter":
        meter = payload.get("electricitymeter")
        if not isinstance(meter, dict):
            raise GlowMessageError("no electricitymeter object")
        power_kw = _number(meter, "power", "value")
        if power_kw is not None and math.isclose(power_kw, METER_ERROR_KW):
            reading.rejected.append("power: -8388.608 kW is the meter's error value")
            power_kw = None
        reading.power_w = round(power_kw * 1000, 3) if power_kw is not None else None
        imp = _dict(meter, "energy", "import")
        reading.import_kwh = _register(reading, _number(imp, "cumulative"), "import")
        reading.export_kwh = _register(
            reading, _number(meter, "energy", "export", "cumulative"), "export"
        )
        reading.import_today_kwh = _number(imp, "day")
        reading.import_week_kwh = _number(imp, "week")
        reading.import_month_kwh = _number(imp, "month")
        reading.mpan = clean_identifier(imp.get("mpan"))
        reading.supplier = clean_identifier(imp.get("supplier"))
        reading.unit_rate_gbp = _number(imp, "price", "unitrate")
        reading.standing_charge_gbp = _number(imp, "price", "standingcharge")
    elif kind == "SENSOR/gasmeter":
        meter = payload.get("gasmeter")
        if not isinstance(meter, dict):
            raise GlowMessageError("no gasmeter object")
        imp = _dict(meter, "energy", "import")
        reading.gas_kwh = _register(reading, _number(imp, "cumulative"), "gas energy")
        reading.gas_m3 = _register(reading, _number(imp, "cumulativevol"), "gas volume")
        # "dayvol" etc. are kWh despite the name (protocols/glow.md); "day" is the same in kWh.
        reading.gas_today_kwh = _number(imp, "day")
        reading.gas_week_kwh = _number(imp, "week")
        reading.gas_month_kwh = _number(imp, "month")
        reading.mprn = clean_identifier(imp.get("mprn"))
        reading.gas_unit_rate_gbp = _number(imp, "price", "unitrate")
        reading.gas_standing_charge_gbp = _number(imp, "price", "standingcharge")
    else:
        raise GlowMessageError(f"unknown message kind {kind}")
    reading.device_time = _time(meter.get("timestamp"))
    reading.read_at = plausible_time(reading.device_time, received)
    return reading


def _dict(data: dict[str, Any], *path: str) -> dict[str, Any]:
    found = nested(data, *path)
    return found if isinstance(found, dict) else {}
