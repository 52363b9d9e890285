"""python-kasa across the versions Home Assistant core pins (0.10.2 on 2025.4, 0.11.0.1 on
2026.10, 0.12.0 on 2026.11): LAN Meter runs on whichever core installed, never its own.

Two pieces differ, and are carried here rather than by raising the requirement:
- KLAP with login version 2 on IOT firmware (HS300 hw 2.0 fw 1.1.x, KP303 2.0, HS103 5.0 on
  1.1.x): python-kasa 0.10.2 picks the version-1 KLAP transport for every IOT device, whose
  handshake such firmware answers with "Device response did not match our challenge".
  0.11 picks KlapTransportV2 (its auth hash) for IOT login version 2; so does LAN Meter, on any.
- An unknown IOT device type in sysinfo: 0.10.2 raises KeyError, later versions
  UnsupportedDeviceError.

No Home Assistant import here.
"""

from __future__ import annotations

from typing import Any

from kasa import DeviceConfig, DeviceEncryptionType, DeviceFamily, UnsupportedDeviceError
from kasa.device_factory import get_device_class_from_sys_info, get_protocol
from kasa.iot import IotDevice
from kasa.protocols import BaseProtocol, IotProtocol
from kasa.transports import KlapTransportV2


def iot_protocol(config: DeviceConfig) -> BaseProtocol | None:
    """python-kasa's protocol for an IOT plug or strip, with the transport its firmware wants
    (KLAP v2 for login version 2, whatever python-kasa's own choice); None where python-kasa
    has none."""
    connection = config.connection_type
    if (
        connection.device_family is DeviceFamily.IotSmartPlugSwitch
        and connection.encryption_type is DeviceEncryptionType.Klap
        and (connection.login_version or 1) >= 2
    ):
        return IotProtocol(transport=KlapTransportV2(config=config))
    return get_protocol(config, strict=True)


def iot_device_class(response: dict[str, Any]) -> type[IotDevice]:
    """python-kasa's class for a sysinfo answer; UnsupportedDeviceError for a type it does not
    know (0.10.2 raised KeyError)."""
    try:
        return get_device_class_from_sys_info(response)
    except KeyError as err:
        raise UnsupportedDeviceError(f"Unsupported device type: {err}") from err
