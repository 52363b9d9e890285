"""Sensors of every kind: the kind supplies descriptions, this file the entity class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import SensorEntity, SensorEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import LanMeterEntity, LanMeterEntityDescription
from .platform_setup import add_kind_entities
from .runtime import LanMeterConfigEntry

# Coordinators serialise device access themselves.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LanMeterSensorDescription(LanMeterEntityDescription, SensorEntityDescription):
    """A sensor description with its value function."""


class LanMeterSensor(LanMeterEntity, SensorEntity):
    """A sensor whose value comes from its description's value function."""

    entity_description: LanMeterSensorDescription

    @property
    def native_value(self) -> Any:
        """The value in the description's native unit."""
        return self.value


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the device's sensors."""
    add_kind_entities(Platform.SENSOR, entry, async_add_entities)
