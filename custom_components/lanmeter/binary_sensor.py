"""Binary sensors of every kind (leak, high flow, connectivity)."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .entity import LanMeterEntity, LanMeterEntityDescription
from .platform_setup import add_kind_entities
from .runtime import LanMeterConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LanMeterBinarySensorDescription[DataT, SubjectT](
    LanMeterEntityDescription[DataT, SubjectT, bool | None], BinarySensorEntityDescription
):
    """A binary sensor description with its value function."""


class LanMeterBinarySensor[DataT, SubjectT](
    LanMeterEntity[DataT, SubjectT, bool | None], BinarySensorEntity
):
    entity_description: LanMeterBinarySensorDescription[DataT, SubjectT]

    @property
    def is_on(self) -> bool | None:
        return self.value


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the device's binary sensors."""
    add_kind_entities(Platform.BINARY_SENSOR, entry, async_add_entities)
