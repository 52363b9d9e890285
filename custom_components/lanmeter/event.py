"""Event entities of every kind (appliance on/off, leaks, long presses)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .platform_setup import add_kind_entities
from .runtime import LanMeterConfigEntry

PARALLEL_UPDATES = 0


class LanMeterEvent(EventEntity):
    """An event entity that a kind fires with `fire(event_type, attributes)`."""

    _attr_has_entity_name = True

    def __init__(
        self, description: EventEntityDescription, device_info: DeviceInfo, unique_id: str
    ) -> None:
        self.entity_description = description
        self._attr_device_info = device_info
        self._attr_unique_id = unique_id

    @callback
    def fire(self, event_type: str, attributes: dict[str, Any]) -> None:
        if self.hass is None:  # not added yet (or removed): nobody can see it
            return
        self._trigger_event(event_type, attributes)
        self.async_write_ha_state()


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the device's event entities."""
    add_kind_entities(Platform.EVENT, entry, async_add_entities)
