"""Kasa kind constants."""

from __future__ import annotations

from typing import Final

CONF_SCAN_INTERVAL: Final = "scan_interval"
# How to talk to a KLAP strip (python-kasa's DeviceConnectionParameters as a dict).
CONF_CONNECTION: Final = "connection"
DEFAULT_SCAN_INTERVAL_S: Final = 5
MIN_SCAN_INTERVAL_S: Final = 2
MAX_SCAN_INTERVAL_S: Final = 300
MANUFACTURER: Final = "TP-Link"
# How long to wait for discovery answers: a scan's broadcast, or one device's when its port 9999
# is closed. Read at call time (tests shorten it here).
DISCOVERY_TIMEOUT_S = 3  # whole seconds, as python-kasa takes them


def outlet_id(mac: str, slot: int) -> str:
    """An outlet's identity: its device's identifier and its entities' unique-id prefix."""
    return f"{mac}_{slot}"
