"""Constants shared by every LAN Meter kind."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "lanmeter"

CONF_KIND: Final = "kind"
CONF_TLS: Final = "tls"  # an MQTT broker entry's "use TLS" (Glow via MQTT, Flume)
DEFAULT_MQTT_PORT: Final = 1883
# Set the device's clock from Home Assistant's (Kasa, WeMo): an entry option, on by default.
CONF_SET_CLOCK: Final = "set_clock"
DEFAULT_SET_CLOCK: Final = True

KIND_KASA: Final = "kasa"
KIND_WEMO: Final = "wemo"
KIND_FLUME: Final = "flume"
KIND_GLOW: Final = "glow"
KIND_HOME: Final = "home"

# Keys removed from diagnostics: credentials, keys, and identifiers that locate a home.
REDACT_KEYS: Final = {
    "password",
    "username",
    "device_key",
    "credentials",
    "credentials_hash",
    "mac",
    "mic_mac",
    "deviceId",
    "device_id",
    "child_id",
    "hwId",
    "oemId",
    "latitude",
    "longitude",
    "latitude_i",
    "longitude_i",
    "mpan",
    "mprn",
    "unique_id",
    "sensor_id",
    "bridge_id",
    "allowed_devices",
}
