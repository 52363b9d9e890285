"""What a Kasa entry stores, and reading it back: where the strip is, how to talk to it (XOR,
or KLAP with its connection parameters) and the Kasa account. Used by setup and the flow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from kasa import Credentials, DeviceConnectionParameters, DeviceEncryptionType

from ..const import CONF_KIND, KIND_KASA
from .client import XOR
from .const import CONF_CONNECTION


def entry_data(
    host: str,
    port: int,
    connection: DeviceConnectionParameters,
    credentials: Credentials | None,
) -> dict[str, Any]:
    """The entry's data; connection and account only for KLAP strips."""
    data: dict[str, Any] = {CONF_KIND: KIND_KASA, CONF_HOST: host, CONF_PORT: port}
    if connection.encryption_type is not DeviceEncryptionType.Xor:
        data[CONF_CONNECTION] = connection.to_dict()
        if credentials is not None:
            data[CONF_USERNAME] = credentials.username
            data[CONF_PASSWORD] = credentials.password
    return data


def entry_credentials(data: Mapping[str, Any]) -> Credentials | None:
    if data.get(CONF_USERNAME) is None:
        return None
    return Credentials(data[CONF_USERNAME], data.get(CONF_PASSWORD) or "")


def entry_connection(data: Mapping[str, Any]) -> DeviceConnectionParameters:
    stored = data.get(CONF_CONNECTION)
    return DeviceConnectionParameters.from_dict(stored) if stored else XOR
