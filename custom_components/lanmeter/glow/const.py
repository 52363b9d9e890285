"""Glow kind constants."""

from __future__ import annotations

from typing import Final

from ..identity import DeviceIdentity

CONF_MODE: Final = "mode"
MODE_ZB02: Final = "zb02"
MODE_MQTT: Final = "mqtt"
CONF_LISTEN: Final = "listen_address"
CONF_ALLOWED: Final = "allowed_devices"
CONF_PREFIX: Final = "topic_prefix"
DEFAULT_ZB02_PORT: Final = 8443
DEFAULT_PREFIX: Final = "glow"
CERT_DIR: Final = "lanmeter_glow"


def allow_flow_id(entry_id: str, device_id: str) -> str:
    """The unique id of the flow that asks whether a new CAD may report to an entry."""
    return f"glow_allow:{entry_id}:{device_id}"


# Its devices and entities: `glow_<id>` (identity.py).
GLOW_IDENTITY: Final = DeviceIdentity("glow")
