"""A device's cycle entities: *Running* (binary sensor), *Cycle* (event entity: started,
finished) and *Cycle quiet period* (a setting, minutes). Any kind with a power reading offers
them through its CycleWatch; Kasa outlets and the WeMo Insight do, and the home view for power
sensors of other integrations (on its Home device, named after the appliance)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.components.event import EventEntityDescription
from homeassistant.components.number import NumberEntity, NumberMode
from homeassistant.const import EntityCategory, Platform, UnitOfTime
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator

from .cycle_watch import MAX_QUIET_S, MIN_QUIET_S, CycleWatch
from .cycles import EVENT_TYPES
from .event import LanMeterEvent

CYCLE_EVENT = EventEntityDescription(key="cycle", translation_key="cycle", event_types=EVENT_TYPES)


class CycleRunningSensor(CoordinatorEntity[DataUpdateCoordinator[Any]], BinarySensorEntity):
    """On from a cycle's start until its quiet period after the last reading above standby."""

    _attr_has_entity_name = True
    _attr_device_class = BinarySensorDeviceClass.RUNNING
    _attr_translation_key = "running"

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[Any],
        watch: CycleWatch,
        device_info: DeviceInfo,
        unique_prefix: str,
        appliance: str | None = None,
    ) -> None:
        super().__init__(coordinator)
        self._watch = watch
        self._attr_device_info = device_info
        self._attr_unique_id = f"{unique_prefix}_running"
        _name_after(self, appliance)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self._watch.changes.async_subscribe(self._running_changed))

    @callback
    def _running_changed(self, _kind: str, _attributes: dict[str, Any]) -> None:
        self.async_write_ha_state()

    @property
    def is_on(self) -> bool:
        return self._watch.running


class CycleQuietNumber(NumberEntity):
    """How long a device must stay at standby before its cycle counts as finished."""

    _attr_has_entity_name = True
    _attr_translation_key = "cycle_quiet"
    _attr_entity_category = EntityCategory.CONFIG
    _attr_native_unit_of_measurement = UnitOfTime.MINUTES
    _attr_native_min_value = MIN_QUIET_S / 60
    _attr_native_max_value = MAX_QUIET_S / 60
    _attr_native_step = 1
    _attr_mode = NumberMode.BOX

    def __init__(
        self,
        watch: CycleWatch,
        device_info: DeviceInfo,
        unique_prefix: str,
        appliance: str | None = None,
    ) -> None:
        self._watch = watch
        self._attr_device_info = device_info
        self._attr_unique_id = f"{unique_prefix}_cycle_quiet"
        _name_after(self, appliance)

    @property
    def native_value(self) -> float:
        return round(self._watch.quiet_s / 60, 1)

    async def async_set_native_value(self, value: float) -> None:
        self._watch.set_quiet(value * 60)
        self.async_write_ha_state()


def _name_after(entity: Entity, appliance: str | None) -> None:
    """On a device shared by several appliances (the home view's), each entity's name says
    whose it is: "Dishwasher running" (translation keys appliance_<key>)."""
    if appliance is not None:
        entity._attr_translation_key = f"appliance_{entity._attr_translation_key}"
        entity._attr_translation_placeholders = {"appliance": appliance}


def cycle_entities(
    platform: Platform,
    coordinator: DataUpdateCoordinator[Any],
    watch: CycleWatch,
    device_info: DeviceInfo,
    unique_prefix: str,
    appliance: str | None = None,
) -> list[Entity]:
    """The device's cycle entities on one platform; with `appliance`, named after it."""
    if platform is Platform.BINARY_SENSOR:
        return [CycleRunningSensor(coordinator, watch, device_info, unique_prefix, appliance)]
    if platform is Platform.EVENT:
        description = CYCLE_EVENT
        if appliance is not None:
            description = replace(
                CYCLE_EVENT,
                translation_key="appliance_cycle",
                translation_placeholders={"appliance": appliance},
            )
        return [LanMeterEvent(description, device_info, f"{unique_prefix}_cycle", watch.events)]
    if platform is Platform.NUMBER:
        return [CycleQuietNumber(watch, device_info, unique_prefix, appliance)]
    return []
