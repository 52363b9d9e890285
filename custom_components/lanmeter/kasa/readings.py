"""Decode Kasa answers into typed readings (pure Python, no Home Assistant import).

Every decoder either returns a correct value or raises KasaAnswerError: a garbled, partial or
error answer never becomes a wrong number on a sensor.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
import math
from typing import Any


class KasaAnswerError(Exception):
    """An answer that is an error (err_code != 0) or does not have the documented shape."""


@dataclass(frozen=True)
class OutletInfo:
    """An outlet as sysinfo describes it. `child_id` is None on a single plug."""

    slot: int
    child_id: str | None
    alias: str
    is_on: bool
    # How long its relay has been on (s): restarts when the relay is switched on, and when the
    # strip powers up after a cut with the relay on. None: off, or not reported.
    on_time_s: int | None = None


@dataclass(frozen=True)
class SysInfo:
    """What the strip says about itself in get_sysinfo."""

    mac: str
    model: str
    alias: str
    hw_ver: str
    sw_ver: str
    device_id: str
    rssi: int | None
    led_on: bool
    has_meter: bool
    outlets: tuple[OutletInfo, ...]
    has_voltage: bool = True  # the meter reports voltage and current (every IOT meter does)

    @property
    def is_strip(self) -> bool:
        return self.outlets[0].child_id is not None


@dataclass(frozen=True)
class Realtime:
    """emeter.get_realtime in SI units (voltage and current None: the model does not say)."""

    power_w: float
    voltage_v: float | None
    current_a: float | None
    total_kwh: float


def _check(answer: Any, where: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise KasaAnswerError(f"{where}: expected an object, got {type(answer).__name__}")
    code = answer.get("err_code", 0)
    if code != 0:
        raise KasaAnswerError(f"{where}: err_code {code} ({answer.get('err_msg', 'no message')})")
    return answer


def module_answer(response: Any, module: str, method: str) -> dict[str, Any]:
    """response[module][method], checking the module-level and method-level err_code."""
    if not isinstance(response, dict):
        raise KasaAnswerError(f"answer is not an object: {type(response).__name__}")
    module_part = _check(response.get(module), module)
    return _check(module_part.get(method), f"{module}.{method}")


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise KasaAnswerError(f"{key} is not a number: {value!r}")
    return float(value)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise KasaAnswerError(f"{key} is missing or not text: {value!r}")
    return value


def _state(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if value not in (0, 1) or isinstance(value, bool):
        raise KasaAnswerError(f"{key} is not 0 or 1: {value!r}")
    return bool(value == 1)


def _seconds(value: Any) -> int | None:
    """A duration in whole seconds, or None (missing or nonsense: it is only evidence)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def parse_sysinfo(sysinfo: dict[str, Any]) -> SysInfo:
    """Decode get_sysinfo of a strip (children) or a plug (relay_state)."""
    children = sysinfo.get("children")
    if children:
        if not isinstance(children, list):
            raise KasaAnswerError("children is not a list")
        outlets = tuple(
            OutletInfo(
                slot=slot,
                child_id=_text(child, "id"),
                alias=child.get("alias") or f"Outlet {slot + 1}",
                is_on=_state(child, "state"),
                on_time_s=_seconds(child.get("on_time")),
            )
            for slot, child in enumerate(children)
        )
    else:
        outlets = (
            OutletInfo(
                0,
                None,
                sysinfo.get("alias") or "",
                _state(sysinfo, "relay_state"),
                _seconds(sysinfo.get("on_time")),
            ),
        )
    rssi = sysinfo.get("rssi")
    return SysInfo(
        mac=_text(sysinfo, "mac").upper(),
        model=_text(sysinfo, "model"),
        alias=sysinfo.get("alias") or _text(sysinfo, "model"),
        hw_ver=str(sysinfo.get("hw_ver", "")),
        sw_ver=str(sysinfo.get("sw_ver", "")).split(" ")[0],
        device_id=_text(sysinfo, "deviceId"),
        rssi=int(rssi) if isinstance(rssi, int) and not isinstance(rssi, bool) else None,
        led_on=sysinfo.get("led_off", 0) == 0,
        has_meter="ENE" in str(sysinfo.get("feature", "")).split(":"),
        outlets=outlets,
    )


def parse_realtime(answer: dict[str, Any]) -> Realtime:
    """Decode get_realtime in either unit style: milli-units (HS300, KP115) or SI (HS110 v1)."""
    if "power_mw" in answer:
        reading = Realtime(
            power_w=_number(answer, "power_mw") / 1000,
            voltage_v=_number(answer, "voltage_mv") / 1000,
            current_a=_number(answer, "current_ma") / 1000,
            total_kwh=_number(answer, "total_wh") / 1000,
        )
    else:
        reading = Realtime(
            power_w=_number(answer, "power"),
            voltage_v=_number(answer, "voltage"),
            current_a=_number(answer, "current"),
            total_kwh=_number(answer, "total"),
        )
    if reading.power_w < 0 or (reading.voltage_v or 0) < 0 or (reading.current_a or 0) < 0:
        raise KasaAnswerError(f"negative realtime reading: {reading}")
    if reading.total_kwh < 0:
        raise KasaAnswerError(f"negative energy register: {reading.total_kwh}")
    return reading


def _entry_kwh(entry: dict[str, Any]) -> float:
    """A day's or month's energy: Wh in newer firmware ("energy_wh"), kWh in older ("energy")."""
    return _number(entry, "energy_wh") / 1000 if "energy_wh" in entry else _number(entry, "energy")


def parse_day_list(answer: dict[str, Any]) -> dict[dt.date, float]:
    """Every day of a get_daystat answer, in kWh (the strip keeps a month per request)."""
    days = answer.get("day_list")
    if not isinstance(days, list):
        raise KasaAnswerError("day_list is missing")
    energy: dict[dt.date, float] = {}
    for entry in days:
        if not isinstance(entry, dict):
            raise KasaAnswerError("day_list entry is not an object")
        try:
            day = dt.date(int(entry["year"]), int(entry["month"]), int(entry["day"]))
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise KasaAnswerError(f"day_list entry without a valid date: {entry}") from err
        kwh = _entry_kwh(entry)
        if not 0 <= kwh < 1000:  # an outlet cannot use a MWh a day
            raise KasaAnswerError(f"implausible day energy {kwh} kWh on {day}")
        energy[day] = kwh
    return energy


def parse_month_list(answer: dict[str, Any]) -> dict[tuple[int, int], float]:
    """Every month of a get_monthstat answer, in kWh: {(year, month): kWh}."""
    months = answer.get("month_list")
    if not isinstance(months, list):
        raise KasaAnswerError("month_list is missing")
    energy: dict[tuple[int, int], float] = {}
    for entry in months:
        if not isinstance(entry, dict):
            raise KasaAnswerError("month_list entry is not an object")
        try:
            month = dt.date(int(entry["year"]), int(entry["month"]), 1)
        except (KeyError, TypeError, ValueError, OverflowError) as err:
            raise KasaAnswerError(f"month_list entry without a valid month: {entry}") from err
        kwh = _entry_kwh(entry)
        if not 0 <= kwh < 31_000:  # an outlet cannot use a MWh a day
            raise KasaAnswerError(f"implausible month energy {kwh} kWh in {month:%Y-%m}")
        energy[(month.year, month.month)] = kwh
    return energy


def parse_day_energy(answer: dict[str, Any], year: int, month: int, day: int) -> float:
    """kWh of one day from get_daystat; 0 when the day has no entry yet (nothing used)."""
    days = answer.get("day_list")
    if not isinstance(days, list):
        raise KasaAnswerError("day_list is missing")
    for entry in days:
        if not isinstance(entry, dict):
            raise KasaAnswerError("day_list entry is not an object")
        if (entry.get("year"), entry.get("month"), entry.get("day")) == (year, month, day):
            return _entry_kwh(entry)
    return 0.0


@dataclass(frozen=True)
class CloudState:
    """What the device says of its vendor cloud: connected now, and (SMART) whether it would
    update its firmware by itself (None: it does not say)."""

    connected: bool
    auto_update: bool | None = None


def parse_iot_cloud(answer: dict[str, Any]) -> CloudState:
    """cnCloud.get_info: `cld_connection` 1 while the strip is connected to TP-Link's cloud."""
    value = answer.get("cld_connection")
    if value not in (0, 1) or isinstance(value, bool):
        raise KasaAnswerError(f"cld_connection is not 0 or 1: {value!r}")
    return CloudState(connected=value == 1)


@dataclass(frozen=True)
class DeviceTime:
    """The device's own wall clock (naive) and zone: an IOT strip's get_time and get_timezone
    index, or a SMART plug's get_device_time region and offset."""

    wall: dt.datetime
    timezone_index: int | None
    region: str | None = None
    utc_offset_min: int | None = None


def parse_time(answer: dict[str, Any], zone: dict[str, Any] | None) -> DeviceTime:
    """Decode get_time ({year, month, mday, hour, min, sec}) and, if given, get_timezone."""
    year, month, day, hour, minute, second = (
        int(_number(answer, key)) for key in ("year", "month", "mday", "hour", "min", "sec")
    )
    try:
        wall = dt.datetime(year, month, day, hour, minute, second)
    except (ValueError, OverflowError) as err:
        raise KasaAnswerError(f"get_time is not a valid time: {answer}") from err
    index = None
    if zone is not None:
        value = zone.get("index")
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 110:
            index = value
    return DeviceTime(wall, index)
