"""Decode answers of TP-Link's SMART protocol (KP125M, EP25, Tapo P110/P115, P304M/P316M) into
the readings the Kasa kind already uses (pure Python, no Home Assistant import).

The SMART plugs keep no lifetime register: `get_energy_usage` says `today_energy` and
`month_energy` (Wh), reset at the plug's own midnight and month start. The month's count is the
register the ledger books (ledger.py): its reset at the plug's month start is known from the
plug's own `local_time`, and every other fall is judged like any register's. Like readings.py,
every decoder returns a correct value or raises KasaAnswerError.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import datetime as dt
from typing import Any

from .readings import (
    CloudState,
    DeviceTime,
    KasaAnswerError,
    OutletInfo,
    Realtime,
    SysInfo,
    _number,
    _text,
)

# The components (python-kasa's word) that make a plug or strip LAN Meter reads.
METERED = "energy_monitoring"
CHILDREN = "control_child"


def _object(answer: Any, where: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise KasaAnswerError(f"{where}: expected an object, got {answer!r}"[:200])
    return answer


def _on(data: dict[str, Any]) -> bool:
    value = data.get("device_on")
    if not isinstance(value, bool):
        raise KasaAnswerError(f"device_on is not true or false: {value!r}")
    return value


def nickname(data: dict[str, Any], fallback: str) -> str:
    """The name the owner gave it (base64 in SMART answers); `fallback` when none decodes."""
    value = data.get("nickname")
    if not isinstance(value, str) or not value:
        return fallback
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8 inside
        return value  # some firmware sends it plain
    return decoded.strip() or fallback


def colon_mac(value: str) -> str:
    """ "48-22-54-00-00-00" or "482254000000" as "48:22:54:00:00:00" (the Kasa kind's form)."""
    digits = value.replace("-", "").replace(":", "").upper()
    if len(digits) != 12 or any(c not in "0123456789ABCDEF" for c in digits):
        raise KasaAnswerError(f"not a MAC address: {value!r}")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def components(answer: Any) -> dict[str, int]:
    """component_nego's list as {id: version}."""
    listed = _object(answer, "component_nego").get("component_list")
    if not isinstance(listed, list):
        raise KasaAnswerError("component_list is missing")
    found: dict[str, int] = {}
    for item in listed:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        version = item.get("ver_code", 1)
        valid = isinstance(version, int) and not isinstance(version, bool)
        found[item["id"]] = version if valid else 1
    return found


@dataclass(frozen=True)
class SmartChild:
    """An outlet of a SMART strip, as get_child_device_list describes it."""

    device_id: str
    position: int
    alias: str
    is_on: bool
    on_time_s: int | None


def _seconds(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def parse_children(answer: Any) -> list[SmartChild]:
    """The strip's outlets in their order on the strip (`position`)."""
    listed = _object(answer, "get_child_device_list").get("child_device_list")
    if not isinstance(listed, list) or not listed:
        raise KasaAnswerError("child_device_list is missing or empty")
    children = []
    for n, item in enumerate(listed):
        child = _object(item, "child")
        position = child.get("position")
        children.append(
            SmartChild(
                device_id=_text(child, "device_id"),
                position=position if isinstance(position, int) else n + 1,
                alias=nickname(child, f"Outlet {n + 1}"),
                is_on=_on(child),
                on_time_s=_seconds(child.get("on_time")) if child.get("device_on") else None,
            )
        )
    return sorted(children, key=lambda child: child.position)


def parse_device_info(
    info: Any,
    *,
    metered: bool,
    led_on: bool,
    children: list[SmartChild] | None = None,
    has_voltage: bool = False,
) -> SysInfo:
    """get_device_info (and, for a strip, its children) as the Kasa kind's SysInfo."""
    info = _object(info, "get_device_info")
    model = _text(info, "model")
    if children:
        outlets = tuple(
            OutletInfo(slot, child.device_id, child.alias, child.is_on, child.on_time_s)
            for slot, child in enumerate(children)
        )
    else:
        is_on = _on(info)
        outlets = (
            OutletInfo(
                0,
                None,
                nickname(info, model),
                is_on,
                _seconds(info.get("on_time")) if is_on else None,
            ),
        )
    rssi = info.get("rssi")
    return SysInfo(
        mac=colon_mac(_text(info, "mac")),
        model=model,
        alias=nickname(info, model),
        hw_ver=str(info.get("hw_ver", "")),
        sw_ver=str(info.get("fw_ver", "")).split(" ")[0],
        device_id=_text(info, "device_id"),
        rssi=rssi if isinstance(rssi, int) and not isinstance(rssi, bool) else None,
        led_on=led_on,
        has_meter=metered,
        outlets=outlets,
        has_voltage=has_voltage,
    )


def parse_led(answer: Any) -> bool:
    """get_led_info: whether the LED is lit (its rule, not the moment's night mode)."""
    answer = _object(answer, "get_led_info")
    rule = answer.get("led_rule")
    if rule in ("always", "never"):
        return bool(rule == "always")
    return bool(answer.get("led_status", True))


@dataclass(frozen=True)
class EnergyUsage:
    """get_energy_usage: the plug's own counts, dated by its own clock."""

    today_wh: float
    month_wh: float
    local_time: dt.datetime  # the plug's wall clock when it answered
    power_mw: float | None  # current_power here is in mW; absent on strip outlets


def parse_energy_usage(answer: Any) -> EnergyUsage:
    answer = _object(answer, "get_energy_usage")
    today, month = _number(answer, "today_energy"), _number(answer, "month_energy")
    if today < 0 or month < 0 or today > month + 1:
        raise KasaAnswerError(f"energy counts that cannot be: today {today} Wh, month {month} Wh")
    try:
        local = dt.datetime.strptime(_text(answer, "local_time"), "%Y-%m-%d %H:%M:%S")
    except ValueError as err:
        raise KasaAnswerError(f"local_time is not a time: {answer.get('local_time')!r}") from err
    power = answer.get("current_power")
    power_mw = None if power is None else _number(answer, "current_power")
    if power_mw is not None and power_mw < 0:
        raise KasaAnswerError(f"negative power: {power_mw} mW")
    return EnergyUsage(today, month, local, power_mw)


def realtime(usage: EnergyUsage, emeter: Any | None, current_power: Any | None) -> Realtime:
    """An outlet's reading: power from the best source the model has (get_emeter_data in mW,
    get_energy_usage in mW, else get_current_power in whole W), voltage and current where
    get_emeter_data reports them, and the month's count as the register."""
    voltage = current = None
    power_w: float | None = None
    if isinstance(emeter, dict) and "power_mw" in emeter:
        power_w = _number(emeter, "power_mw") / 1000
        if "voltage_mv" in emeter:
            voltage = _number(emeter, "voltage_mv") / 1000
        if "current_ma" in emeter:
            current = _number(emeter, "current_ma") / 1000
    elif usage.power_mw is not None:
        power_w = usage.power_mw / 1000
    elif isinstance(current_power, dict):
        power_w = _number(current_power, "current_power")
    if power_w is None:
        raise KasaAnswerError("no power in the answer")
    if power_w < 0 or (voltage or 0) < 0 or (current or 0) < 0:
        raise KasaAnswerError(f"negative reading: {power_w} W, {voltage} V, {current} A")
    return Realtime(power_w, voltage, current, usage.month_wh / 1000)


def parse_device_time(answer: Any) -> DeviceTime:
    """get_device_time: unix seconds, the zone's offset in minutes and its name."""
    answer = _object(answer, "get_device_time")
    stamp = _number(answer, "timestamp")
    diff = answer.get("time_diff", 0)
    if isinstance(diff, bool) or not isinstance(diff, int) or abs(diff) > 14 * 60:
        raise KasaAnswerError(f"time_diff is not an offset in minutes: {diff!r}")
    try:
        wall = dt.datetime.fromtimestamp(stamp, dt.UTC).replace(tzinfo=None)
        wall += dt.timedelta(minutes=diff)
    except (OverflowError, OSError, ValueError) as err:
        raise KasaAnswerError(f"timestamp is not a time: {stamp}") from err
    region = answer.get("region")
    return DeviceTime(
        wall,
        None,
        region=region if isinstance(region, str) else None,
        utc_offset_min=diff,
    )


def parse_energy_data(answer: Any) -> list[float]:
    """get_energy_data's `data`: Wh per interval from the asked start."""
    data = _object(answer, "get_energy_data").get("data")
    if not isinstance(data, list):
        raise KasaAnswerError("get_energy_data without data")
    values = []
    for value in data:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e7:
            raise KasaAnswerError(f"implausible energy record: {value!r}")
        values.append(float(value))
    return values


def parse_cloud(state: Any, auto_update: Any) -> CloudState:
    """get_connect_cloud_state (`status` 0: connected, as python-kasa reads it) and
    get_auto_update_info (`enable`: the plug updates its firmware by itself)."""
    status = _object(state, "get_connect_cloud_state").get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        raise KasaAnswerError(f"cloud status is not a number: {status!r}")
    enable = auto_update.get("enable") if isinstance(auto_update, dict) else None
    return CloudState(status == 0, enable if isinstance(enable, bool) else None)
