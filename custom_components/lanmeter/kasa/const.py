"""Kasa kind constants."""

from __future__ import annotations

from typing import Final

CONF_SCAN_INTERVAL: Final = "scan_interval"
DEFAULT_SCAN_INTERVAL_S: Final = 5
MIN_SCAN_INTERVAL_S: Final = 2
MAX_SCAN_INTERVAL_S: Final = 300
MANUFACTURER: Final = "TP-Link"
