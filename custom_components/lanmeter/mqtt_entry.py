"""The Home Assistant side of an MQTT-fed entry (Glow via MQTT, Flume): settings and startup."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady

from .const import CONF_TLS, DOMAIN
from .mqtt_client import (
    MessageHandler,
    MqttAuthError,
    MqttConnectError,
    MqttConnection,
    MqttSettings,
)


def settings_from(data: Mapping[str, Any]) -> MqttSettings:
    """Broker settings from entry data or a form (number selectors give float ports)."""
    return MqttSettings(
        str(data[CONF_HOST]).strip(),
        int(data[CONF_PORT]),
        data.get(CONF_USERNAME) or None,
        data.get(CONF_PASSWORD) or None,
        bool(data.get(CONF_TLS, False)),
    )


async def async_connect(
    entry: ConfigEntry,
    topics: list[str],
    on_message: MessageHandler,
    on_connection: Callable[[bool], None],
) -> MqttConnection:
    """Connect for the entry: refused credentials start reauth, an unreachable broker retries.
    `on_connection` hears of the broker going away and coming back (on the event loop)."""
    connection = MqttConnection(settings_from(entry.data), topics, on_message, on_connection)
    try:
        await connection.start()
    except MqttAuthError as err:
        raise ConfigEntryAuthFailed(str(err)) from err
    except MqttConnectError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="mqtt_unreachable",
            translation_placeholders={"host": entry.data[CONF_HOST], "error": str(err)},
        ) from err
    return connection
