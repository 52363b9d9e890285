"""Sensors of every kind: the kind supplies descriptions, this file the entity class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, Platform, UnitOfEnergy, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .entity import LanMeterEntity, LanMeterEntityDescription
from .platform_setup import add_kind_entities
from .runtime import LanMeterConfigEntry

# Coordinators serialise device access themselves.
PARALLEL_UPDATES = 0


# What a sensor shows (in its native unit).
type SensorValue = StateType | date | datetime | Decimal


@dataclass(frozen=True, kw_only=True)
class LanMeterSensorDescription[DataT, SubjectT](
    LanMeterEntityDescription[DataT, SubjectT, SensorValue], SensorEntityDescription
):
    """A sensor description with its value function."""


# An energy counter in kWh that the Energy dashboard accepts.
ENERGY_TOTAL_KWH: Final[dict[str, Any]] = {
    "device_class": SensorDeviceClass.ENERGY,
    "state_class": SensorStateClass.TOTAL_INCREASING,
    "native_unit_of_measurement": UnitOfEnergy.KILO_WATT_HOUR,
    "suggested_display_precision": 3,
}


def value_sensor[DataT, SubjectT](
    key: str, value_fn: Callable[[DataT, SubjectT], SensorValue], **kwargs: Any
) -> LanMeterSensorDescription[DataT, SubjectT]:
    """A sensor named by its key (translation) that is unavailable while its value is None,
    unless the kind passes its own available_fn."""

    def known(data: DataT, subject: SubjectT) -> bool:
        return value_fn(data, subject) is not None

    kwargs.setdefault("available_fn", known)
    return LanMeterSensorDescription(key=key, translation_key=key, value_fn=value_fn, **kwargs)


def clock_offset_sensor[DataT, SubjectT](
    value_fn: Callable[[DataT, SubjectT], float | None],
) -> LanMeterSensorDescription[DataT, SubjectT]:
    """Every kind's *Clock offset*: the device's clock minus Home Assistant's, in seconds
    (device_clock.py tracks it; a large one raises a repair issue)."""
    return value_sensor(
        "clock_offset",
        value_fn,
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
    )


class LanMeterSensor[DataT, SubjectT](LanMeterEntity[DataT, SubjectT, SensorValue], SensorEntity):
    """A sensor whose value comes from its description's value function."""

    entity_description: LanMeterSensorDescription[DataT, SubjectT]

    @property
    def native_value(self) -> SensorValue:
        """The value in the description's native unit."""
        return self.value


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the device's sensors."""
    add_kind_entities(Platform.SENSOR, entry, async_add_entities)
