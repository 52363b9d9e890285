"""The Flume kind: the water monitor's bridge, read from the user's MQTT broker and decrypted."""

from __future__ import annotations

from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity

from ..mqtt_client import MqttConnection
from ..mqtt_entry import async_connect
from ..runtime import BaseRuntime, LanMeterConfigEntry
from .const import CONF_DEVICE_KEY, CONF_SENSOR_ID
from .coordinator import FlumeCoordinator
from .entities import build_entities
from .messages import TOPICS


class FlumeRuntime(BaseRuntime):
    platforms = (Platform.SENSOR, Platform.BINARY_SENSOR, Platform.EVENT)

    def __init__(self, coordinator: FlumeCoordinator, mqtt: MqttConnection) -> None:
        self.coordinator = coordinator
        self.mqtt = mqtt

    def entities(self, platform: Platform) -> list[Entity]:
        return build_entities(self.coordinator, platform)

    async def async_shutdown(self) -> None:
        await self.mqtt.stop()
        await self.coordinator.async_shutdown()  # saves its state

    def diagnostics(self) -> dict[str, Any]:
        return self.coordinator.diagnostics() | {
            "mqtt_connected": self.mqtt.connected,
            "mqtt_connects": self.mqtt.connects,
        }


async def async_setup_flume(hass: HomeAssistant, entry: LanMeterConfigEntry) -> FlumeRuntime:
    coordinator = FlumeCoordinator(
        hass, entry, entry.data[CONF_SENSOR_ID], entry.data.get(CONF_DEVICE_KEY)
    )
    await coordinator.async_restore()
    connection = await async_connect(entry, TOPICS, coordinator.on_message, coordinator.on_broker)
    return FlumeRuntime(coordinator, connection)
