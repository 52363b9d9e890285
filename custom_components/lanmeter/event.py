"""Event entities of every kind (appliance on/off, leaks, long presses)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .event_source import EventSource
from .platform_setup import add_kind_entities
from .runtime import LanMeterConfigEntry

PARALLEL_UPDATES = 0


class LanMeterEvent(EventEntity):
    """An event entity showing its coordinator's events (subscribed while it is added)."""

    _attr_has_entity_name = True

    def __init__(
        self,
        description: EventEntityDescription,
        device_info: DeviceInfo,
        unique_id: str,
        source: EventSource,
    ) -> None:
        self.entity_description = description
        self._attr_device_info = device_info
        self._attr_unique_id = unique_id
        self._source = source

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._source.async_subscribe(self._show))

    @callback
    def _show(self, event_type: str, attributes: dict[str, Any]) -> None:
        self._trigger_event(event_type, attributes)
        self.async_write_ha_state()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the device's event entities."""
    add_kind_entities(Platform.EVENT, entry, async_add_entities)
