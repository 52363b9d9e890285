"""Decode the Flume bridge's MQTT messages (pure Python, LibHydrogen's secretbox included).

Topic `2/<type>/<x>/<device_id>/<n>`; payload a LibHydrogen secretbox (context "12345678",
message id 0) or, from some firmwares and relays, plain JSON (protocols/flume.md).
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import math
import re
from typing import Any, TypeGuard

from .secretbox import SecretBox, SecretBoxError

TOPIC = re.compile(r"^2/(?P<type>\d+)/(?P<x>\d+)/(?P<device>[0-9A-Fa-f]{16})/(?P<n>[^/]+)$")
CONTEXT = "12345678"
KEY_HEX = re.compile(r"^[0-9A-Fa-f]{64}$")

MAX_COUNTER = 2**40  # a pulse counter past this is not a water meter's (decades at full flow)
MAX_STATUS = 2**31  # status values are small numbers (dBm, mV)

# What LAN Meter subscribes to: every message of the bridge's protocol version 2.
TOPICS = ["2/#"]

TYPE_FLOW = 1
TYPE_STATUS = 2
TYPE_IDENTIFY = 7
BRIDGE_TYPES = {3, 4, 6, 7}  # logs, events, heartbeat echo, identification: from the bridge


class FlumeMessageError(ValueError):
    """Not decryptable with the key, not JSON, or not the documented shape."""


@dataclass(frozen=True)
class Topic:
    kind: int
    device_id: str


def parse_topic(topic: str) -> Topic | None:
    match = TOPIC.match(topic)
    return Topic(int(match["type"]), match["device"].upper()) if match else None


def make_box(key_hex: str | None) -> SecretBox | None:
    """The secretbox for a 64-hex-character key (None: payloads are expected in plain JSON)."""
    if not key_hex:
        return None
    if not KEY_HEX.match(key_hex.strip()):
        raise ValueError("the device key is 64 hexadecimal characters")
    return SecretBox(bytes.fromhex(key_hex.strip()), CONTEXT)


def decode_payload(payload: bytes, box: SecretBox | None) -> Any:
    """With a key, only what decrypts with it (plain JSON could come from any broker client);
    without one, plain JSON."""
    if box is None:
        try:
            return _json(payload)
        except ValueError as err:
            raise FlumeMessageError(
                "payload is not JSON (encrypted? then the entry needs the device key)"
            ) from err
    try:
        plain = box.decrypt(payload, msg_id=0)
    except SecretBoxError as err:
        raise FlumeMessageError("payload does not decrypt with this device key") from err
    try:
        return _json(plain)
    except ValueError as err:
        raise FlumeMessageError("decrypted payload is not JSON") from err


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number a bridge sends")


def _json(data: bytes) -> Any:
    """Strict JSON: no NaN or Infinity; deep nesting and huge numbers are ValueErrors too."""
    try:
        return json.loads(data, parse_constant=_no_constants)
    except RecursionError as err:
        raise ValueError("nested too deeply") from err


@dataclass(frozen=True)
class PulseSample:
    timestamp: float  # the device's unix seconds
    counter: int


def flow_samples(data: Any) -> list[PulseSample]:
    """Type 1: `[{"timestamp": s, "value": N}, ...]`, sorted by time; bad entries raise."""
    if not isinstance(data, list) or not data:
        raise FlumeMessageError("a flow message is a non-empty list")
    samples = []
    for entry in data:
        if not isinstance(entry, dict):
            raise FlumeMessageError("a flow entry is not an object")
        timestamp, value = entry.get("timestamp"), entry.get("value")
        if not _is_number(timestamp) or not isinstance(value, int) or isinstance(value, bool):
            raise FlumeMessageError(f"bad flow entry {str(entry)[:80]}")
        if not 0 <= value < MAX_COUNTER:
            raise FlumeMessageError(f"pulse counter out of range: {str(value)[:20]}")
        samples.append(PulseSample(float(timestamp), value))
    return sorted(samples, key=lambda s: s.timestamp)


@dataclass(frozen=True)
class SensorStatus:
    radio_rssi_dbm: int | None
    battery_mv: int | None


@dataclass(frozen=True)
class BridgeStatus:
    link_rssi_dbm: int | None
    wifi_rssi_dbm: int | None


def _is_number(value: Any) -> TypeGuard[int | float]:
    """A finite number of a sane size (JSON may carry 1e308, and Python ints have no bound)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and abs(value) < MAX_COUNTER * 1e6


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if not _is_number(value) or abs(value) >= MAX_STATUS:
        return None
    return int(value)


def status(data: Any, from_bridge: bool) -> SensorStatus | BridgeStatus:
    """Type 2, whose bit-mask keys mean different things for the sensor and the bridge."""
    if not isinstance(data, dict):
        raise FlumeMessageError("a status message is an object")
    reading: SensorStatus | BridgeStatus = (
        BridgeStatus(_int(data, "32"), _int(data, "512"))
        if from_bridge
        else SensorStatus(_int(data, "16"), _int(data, "32"))
    )
    if all(value is None for value in reading.__dict__.values()):
        # Nothing usable: keep the last values rather than blank them.
        raise FlumeMessageError("a status message without any known value")
    return reading


def looks_like_bridge_status(data: Any) -> bool:
    """Before the ids are known: only the bridge reports Wi-Fi RSSI ("512")."""
    return isinstance(data, dict) and "512" in data


def from_bridge(
    topic: Topic, data: Any, sensor_id: str | None = None, bridge_id: str | None = None
) -> bool:
    """Whether a message is the bridge's own, else the sensor's: flow is the sensor's, logs,
    events and identification the bridge's; a status is the sensor's when it names the known
    sensor, else the bridge's when it names the known bridge or reads like a bridge's."""
    if topic.kind != TYPE_STATUS:
        return topic.kind in BRIDGE_TYPES
    if topic.device_id == sensor_id:
        return False
    return topic.device_id == bridge_id or looks_like_bridge_status(data)
