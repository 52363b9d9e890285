"""The entities of a WeMo: a switch; Insight power/energy/standby; Light Switch long press."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.event import EventEntityDescription
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import EntityCategory, Platform, UnitOfPower, UnitOfTime
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity
from pywemo import Insight

from ..cycle_entities import cycle_entities
from ..event import LanMeterEvent
from ..power_sensors import DevicePower
from ..sensor import (
    ENERGY_TOTAL_KWH,
    LanMeterSensor,
    LanMeterSensorDescription,
    SensorValue,
    clock_offset_sensor,
    value_sensor,
)
from ..switch import LanMeterSwitch, LanMeterSwitchDescription
from .const import WEMO_IDENTITY
from .coordinator import STANDBY_NAMES, WemoCoordinator, WemoState


async def _set(coordinator: WemoCoordinator, _: None, on: bool) -> None:
    await coordinator.async_set_on(on)


SWITCH: LanMeterSwitchDescription[WemoState, None, WemoCoordinator] = LanMeterSwitchDescription(
    key="switch", name=None, value_fn=lambda state, _: state.is_on, set_fn=_set
)


def _insight(
    key: str, value_fn: Callable[[WemoState, None], SensorValue], **kwargs: Any
) -> LanMeterSensorDescription[WemoState, None]:
    return value_sensor(key, value_fn, **kwargs)


INSIGHT_SENSORS: tuple[LanMeterSensorDescription[WemoState, None], ...] = (
    _insight(
        "power",
        lambda state, _: state.power_w,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=1,
    ),
    _insight(
        "energy_today",
        lambda state, _: state.energy_today_kwh,
        **ENERGY_TOTAL_KWH,
    ),
    _insight(
        "energy_total",
        lambda state, _: state.energy_total_kwh,
        **ENERGY_TOTAL_KWH,
    ),
    _insight(
        "on_time_today",
        lambda state, _: state.on_today_s,
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _insight(
        "standby_state",
        lambda state, _: state.standby,
        device_class=SensorDeviceClass.ENUM,
        options=sorted(set(STANDBY_NAMES.values())),
    ),
    # Only an Insight tells its time unasked (its last change plus how long it has been on).
    clock_offset_sensor(lambda state, _: state.clock_offset_s),
)

LONG_PRESS = EventEntityDescription(
    key="long_press", translation_key="long_press", event_types=["long_press"]
)


def device_info(coordinator: WemoCoordinator) -> DeviceInfo:
    device = coordinator.device
    mac = getattr(device, "mac", None)
    return DeviceInfo(
        identifiers={WEMO_IDENTITY.identifier(device.serial_number)},
        connections={(CONNECTION_NETWORK_MAC, mac.lower())} if mac else set(),
        manufacturer="Belkin",
        model=device.model_name,
        name=device.name,
        sw_version=device.firmware_version,
        serial_number=device.serial_number,
    )


def insight_power_sensors(coordinator: WemoCoordinator) -> list[DevicePower]:
    """An Insight's power, for the whole-home view (its unique id as built below)."""
    if not isinstance(coordinator.device, Insight):
        return []
    return [DevicePower(f"{WEMO_IDENTITY.key(coordinator.device.serial_number)}_power")]


def build_entities(coordinator: WemoCoordinator, platform: Platform) -> list[Entity]:
    device = device_info(coordinator)
    prefix = WEMO_IDENTITY.key(coordinator.device.serial_number)
    entities: list[Entity] = []
    if isinstance(coordinator.device, Insight):
        watch = coordinator.insight_cycle()
        entities += cycle_entities(platform, coordinator, watch, device, prefix)
    if platform is Platform.SWITCH:
        entities.append(LanMeterSwitch(coordinator, SWITCH, device, prefix, None))
    if platform is Platform.SENSOR and isinstance(coordinator.device, Insight):
        entities += [LanMeterSensor(coordinator, d, device, prefix, None) for d in INSIGHT_SENSORS]
    if platform is Platform.EVENT and coordinator.supports_long_press:
        entities.append(
            LanMeterEvent(LONG_PRESS, device, f"{prefix}_long_press", coordinator.events)
        )
    return entities
