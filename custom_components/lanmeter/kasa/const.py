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
