"""Flume kind constants."""

from __future__ import annotations

from typing import Final

from ..identity import DeviceIdentity

CONF_DEVICE_KEY: Final = "device_key"
CONF_SENSOR_ID: Final = "sensor_id"
CONF_LITERS_PER_PULSE: Final = "liters_per_pulse"
CONF_METER_OFFSET_L: Final = "meter_offset_l"
CONF_CONTINUOUS_MIN: Final = "continuous_minutes"
CONF_HIGH_FLOW_L_MIN: Final = "high_flow_l_min"
CONF_HIGH_FLOW_MIN: Final = "high_flow_minutes"
CONF_AWAY_ENTITY: Final = "away_entity"
# Until calibrated. A guess (a 5/8" meter's element turns about this much per pulse); the
# calibrate_flume action replaces it with the measured value.
DEFAULT_LITERS_PER_PULSE: Final = 0.1
EVENT_TYPES: Final = ["leak_started", "leak_cleared", "high_flow_started", "high_flow_cleared"]
SERVICE_CALIBRATE: Final = "calibrate_flume"

# Its devices and entities: `flume_<id>` (identity.py).
FLUME_IDENTITY: Final = DeviceIdentity("flume")
