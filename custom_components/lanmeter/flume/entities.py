"""The entities of a Flume water monitor, as descriptions over the coordinator's FlumeSnapshot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.event import EventEntityDescription
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    Platform,
    UnitOfElectricPotential,
    UnitOfVolume,
    UnitOfVolumeFlowRate,
)
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM

from ..binary_sensor import LanMeterBinarySensor, LanMeterBinarySensorDescription
from ..event import LanMeterEvent
from ..sensor import (
    LanMeterSensor,
    LanMeterSensorDescription,
    clock_offset_sensor,
    value_sensor,
)
from .const import EVENT_TYPES, FLUME_IDENTITY
from .coordinator import FlumeCoordinator, FlumeSnapshot

# Two lithium AA cells in series: about 3.3 V fresh, 2.7 V when the sensor stops.
BATTERY_FULL_MV, BATTERY_EMPTY_MV = 3300, 2700


def battery_percent(millivolts: int | None) -> int | None:
    if millivolts is None:
        return None
    share = (millivolts - BATTERY_EMPTY_MV) / (BATTERY_FULL_MV - BATTERY_EMPTY_MV)
    return round(100 * min(1.0, max(0.0, share)))


def sensors(
    coordinator: FlumeCoordinator,
) -> tuple[LanMeterSensorDescription[FlumeSnapshot, None], ...]:
    # Home Assistant converts water volumes to the user's unit system, but not flow rates:
    # suggest gal/min to US-customary users (applied when the entity is first registered).
    us = coordinator.hass.config.units is US_CUSTOMARY_SYSTEM
    return (
        value_sensor(
            "flow_rate",
            lambda state, _: state.flow_l_min,
            device_class=SensorDeviceClass.VOLUME_FLOW_RATE,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=UnitOfVolumeFlowRate.LITERS_PER_MINUTE,
            suggested_unit_of_measurement=(UnitOfVolumeFlowRate.GALLONS_PER_MINUTE if us else None),
            suggested_display_precision=2,
        ),
        value_sensor(
            "water_total",
            lambda state, _: state.volume_l,
            device_class=SensorDeviceClass.WATER,
            state_class=SensorStateClass.TOTAL_INCREASING,
            native_unit_of_measurement=UnitOfVolume.LITERS,
            suggested_display_precision=1,
        ),
        value_sensor(
            "water_today",
            lambda state, _: state.today_l,
            device_class=SensorDeviceClass.WATER,
            state_class=SensorStateClass.TOTAL_INCREASING,
            native_unit_of_measurement=UnitOfVolume.LITERS,
            suggested_display_precision=1,
        ),
        value_sensor(
            "battery",
            lambda state, _: battery_percent(state.sensor.battery_mv if state.sensor else None),
            device_class=SensorDeviceClass.BATTERY,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=PERCENTAGE,
            entity_category=EntityCategory.DIAGNOSTIC,
        ),
        value_sensor(
            "battery_voltage",
            lambda state, _: state.sensor.battery_mv if state.sensor else None,
            device_class=SensorDeviceClass.VOLTAGE,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
        ),
        value_sensor(
            "radio_rssi",
            lambda state, _: state.sensor.radio_rssi_dbm if state.sensor else None,
            device_class=SensorDeviceClass.SIGNAL_STRENGTH,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
            entity_category=EntityCategory.DIAGNOSTIC,
        ),
        value_sensor(
            "wifi_rssi",
            lambda state, _: state.bridge.wifi_rssi_dbm if state.bridge else None,
            device_class=SensorDeviceClass.SIGNAL_STRENGTH,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
        ),
        value_sensor(
            "last_report",
            lambda state, _: state.last_report,
            device_class=SensorDeviceClass.TIMESTAMP,
            entity_category=EntityCategory.DIAGNOSTIC,
        ),
        clock_offset_sensor(lambda state, _: state.clock_offset_s),
    )


def _binary(
    key: str, value_fn: Callable[[FlumeSnapshot, None], bool | None], **kwargs: Any
) -> LanMeterBinarySensorDescription[FlumeSnapshot, None]:
    return LanMeterBinarySensorDescription(
        key=key, translation_key=key, value_fn=value_fn, **kwargs
    )


BINARY_SENSORS = (
    _binary(
        "leak",
        lambda state, _: state.leak,
        device_class=BinarySensorDeviceClass.MOISTURE,
        available_fn=lambda state, _: state.counting,
    ),
    _binary(
        "high_flow",
        lambda state, _: state.high_flow,
        device_class=BinarySensorDeviceClass.PROBLEM,
        available_fn=lambda state, _: state.counting,
    ),
    _binary(
        "bridge_connected",
        lambda state, _: state.connected,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)

WATER_EVENT = EventEntityDescription(key="water", translation_key="water", event_types=EVENT_TYPES)


def device_info(state: FlumeSnapshot) -> DeviceInfo:
    return DeviceInfo(
        identifiers={FLUME_IDENTITY.identifier(state.sensor_id)},
        manufacturer="Flume",
        model="Water monitor",
        name=f"Flume {state.sensor_id[-6:]}",
        serial_number=state.sensor_id,
    )


def build_entities(coordinator: FlumeCoordinator, platform: Platform) -> list[Entity]:
    device = device_info(coordinator.data)
    prefix = FLUME_IDENTITY.key(coordinator.data.sensor_id)
    if platform is Platform.SENSOR:
        return [LanMeterSensor(coordinator, d, device, prefix, None) for d in sensors(coordinator)]
    if platform is Platform.BINARY_SENSOR:
        return [LanMeterBinarySensor(coordinator, d, device, prefix, None) for d in BINARY_SENSORS]
    if platform is Platform.EVENT:
        return [LanMeterEvent(WATER_EVENT, device, f"{prefix}_water", coordinator.events)]
    return []
