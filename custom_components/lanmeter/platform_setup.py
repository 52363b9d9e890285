"""The one body every platform file shares: ask the kind for its entities."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .runtime import LanMeterConfigEntry


def add_kind_entities(
    platform: Platform,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Register the platform's callback and add the entities the device has now."""
    data = entry.runtime_data
    data.adders[platform] = async_add_entities
    async_add_entities(data.device.entities(platform))
