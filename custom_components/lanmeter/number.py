"""Number entities of every kind: settings a user changes on the device page (a cycle's quiet
period)."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .platform_setup import add_kind_entities
from .runtime import LanMeterConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the device's number entities."""
    add_kind_entities(Platform.NUMBER, entry, async_add_entities)
