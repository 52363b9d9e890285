"""Home kind constants."""

from __future__ import annotations

from typing import Final

CONF_MAINS: Final = "mains"
CONF_DEVICES: Final = "devices"
CONF_THRESHOLD: Final = "step_threshold"
CONF_EMULATE_SENSE: Final = "emulate_sense"
CONF_SENSE_PORT: Final = "sense_port"
CONF_SENSE_MONITORS: Final = "sense_monitors"  # addresses the bridge answers (empty: any)
CONF_MERGE: Final = "merge"  # options: the appliance merged ...
CONF_INTO: Final = "into"  # ... into this named one
DEFAULT_THRESHOLD_W: Final = 30
DEFAULT_SENSE_PORT: Final = 9999
EVENT_TYPES: Final = ["appliance_on", "appliance_off"]
NAMED_EVENT_TYPES: Final = ["turned_on", "turned_off"]  # a named appliance's own events


def named_device_id(key: str) -> str:
    """A named appliance's device identifier (and its entities' unique-id prefix)."""
    return f"home_{key}"
