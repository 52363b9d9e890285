"""The Flume kind: the water monitor's bridge, read from the user's MQTT broker and decrypted."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers.entity import Entity

from ..const import DOMAIN
from ..mqtt_client import MqttAuthError, MqttConnectError, MqttConnection, MqttSettings
from ..runtime import LanMeterConfigEntry
from .const import CONF_DEVICE_KEY, CONF_SENSOR_ID, CONF_TLS
from .entities import build_entities
from .hub import FlumeHub

TOPICS = ["2/#"]


def broker_settings(data: dict[str, Any]) -> MqttSettings:
    return MqttSettings(
        data[CONF_HOST],
        int(data[CONF_PORT]),  # number selectors give floats
        data.get(CONF_USERNAME) or None,
        data.get(CONF_PASSWORD) or None,
        data.get(CONF_TLS, False),
    )


class FlumeDevice:
    platforms = (Platform.SENSOR, Platform.BINARY_SENSOR, Platform.EVENT)

    def __init__(self, hub: FlumeHub, mqtt: MqttConnection) -> None:
        self.hub = hub
        self.mqtt = mqtt

    def entities(self, platform: Platform) -> list[Entity]:
        return build_entities(self.hub, platform)

    async def async_shutdown(self) -> None:
        await self.mqtt.stop()
        await self.hub.async_save_now()
        await self.hub.async_shutdown()

    def diagnostics(self) -> dict[str, Any]:
        return self.hub.diagnostics() | {
            "mqtt_connected": self.mqtt.connected,
            "mqtt_connects": self.mqtt.connects,
        }


async def async_setup_flume(hass: HomeAssistant, entry: LanMeterConfigEntry) -> FlumeDevice:
    hub = FlumeHub(hass, entry, entry.data[CONF_SENSOR_ID], entry.data.get(CONF_DEVICE_KEY))
    await hub.async_load()
    connection = MqttConnection(
        broker_settings(dict(entry.data)), TOPICS, hub.on_message, client_id=""
    )
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
    return FlumeDevice(hub, connection)
