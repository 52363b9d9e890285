"""The entities of a Kasa strip or plug, as descriptions over KasaState.

A strip gets one device for itself and one per outlet (via the strip); a single plug keeps its
outlet's entities on its own device. Strips without a meter (KP303, HS107) get switches only.
"""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    Platform,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfPower,
)
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity

from ..binary_sensor import LanMeterBinarySensor, LanMeterBinarySensorDescription
from ..compat import via_device
from ..const import DOMAIN
from ..cycle_entities import cycle_entities
from ..power_sensors import DevicePower
from ..sensor import (
    ENERGY_TOTAL_KWH,
    LanMeterSensor,
    LanMeterSensorDescription,
    clock_offset_sensor,
    value_sensor,
)
from ..switch import LanMeterSwitch, LanMeterSwitchDescription
from .const import MANUFACTURER, outlet_id
from .coordinator import KasaCoordinator, KasaState
from .readings import Realtime, SysInfo

# Outlet entities' subject is the outlet's slot; the strip's own entities have none.


def _realtime(state: KasaState, slot: int) -> Realtime | None:
    return state.reading.outlets[slot].realtime


def _has_realtime(state: KasaState, slot: int) -> bool:
    return _realtime(state, slot) is not None


def _measured(state: KasaState, slot: int) -> Realtime:
    """The outlet's reading; asked for only when _has_realtime found one."""
    realtime = _realtime(state, slot)
    assert realtime is not None
    return realtime


async def _set_outlet(coordinator: KasaCoordinator, slot: int, on: bool) -> None:
    await coordinator.async_set_outlet(slot, on)


async def _set_led(coordinator: KasaCoordinator, _: None, on: bool) -> None:
    await coordinator.async_set_outlet(None, on)


OUTLET_SWITCH: LanMeterSwitchDescription[KasaState, int, KasaCoordinator] = (
    LanMeterSwitchDescription(
        key="outlet",
        name=None,  # the outlet's own device name ("Kettle"), as users named it in the Kasa app
        value_fn=lambda state, slot: state.reading.outlets[slot].is_on,
        set_fn=_set_outlet,
    )
)

OUTLET_SENSORS: tuple[LanMeterSensorDescription[KasaState, int], ...] = (
    LanMeterSensorDescription(
        key="power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=1,
        value_fn=lambda state, slot: _measured(state, slot).power_w,
        available_fn=_has_realtime,
    ),
    LanMeterSensorDescription(
        key="voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=1,
        entity_registry_enabled_default=False,
        value_fn=lambda state, slot: _measured(state, slot).voltage_v,
        available_fn=_has_realtime,
    ),
    LanMeterSensorDescription(
        key="current",
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
        value_fn=lambda state, slot: _measured(state, slot).current_a,
        available_fn=_has_realtime,
    ),
    value_sensor(
        "energy_today",
        lambda state, slot: state.energy_today_kwh[slot],
        **ENERGY_TOTAL_KWH,
    ),
    value_sensor(
        "energy_total",
        lambda state, slot: state.energy_total_kwh[slot],
        **ENERGY_TOTAL_KWH,
    ),
)

# What a meter reports only when it measures the mains (not a SMART strip's outlets).
ELECTRICAL = ("voltage", "current")

STRIP_POWER: LanMeterSensorDescription[KasaState, None] = value_sensor(
    "total_power",
    lambda state, _: state.reading.total_power_w,
    device_class=SensorDeviceClass.POWER,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=UnitOfPower.WATT,
    suggested_display_precision=1,
)

STRIP_RSSI: LanMeterSensorDescription[KasaState, None] = value_sensor(
    "rssi",
    lambda state, _: state.reading.info.rssi,
    device_class=SensorDeviceClass.SIGNAL_STRENGTH,
    state_class=SensorStateClass.MEASUREMENT,
    native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    entity_category=EntityCategory.DIAGNOSTIC,
    entity_registry_enabled_default=False,
)

STRIP_CLOCK_OFFSET: LanMeterSensorDescription[KasaState, None] = clock_offset_sensor(
    lambda state, _: state.clock_offset_s
)

LED_SWITCH: LanMeterSwitchDescription[KasaState, None, KasaCoordinator] = LanMeterSwitchDescription(
    key="led",
    translation_key="led",
    entity_category=EntityCategory.CONFIG,
    value_fn=lambda state, _: state.reading.info.led_on,
    set_fn=_set_led,
)


async def _set_auto_update(coordinator: KasaCoordinator, _: None, on: bool) -> None:
    await coordinator.async_set_auto_update(on)


# Whether the wall against the cloud holds, where the device says (read hourly).
CLOUD_CONNECTION: LanMeterBinarySensorDescription[KasaState, None] = (
    LanMeterBinarySensorDescription(
        key="cloud_connection",
        translation_key="cloud_connection",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda state, _: state.cloud.connected if state.cloud else None,
    )
)
# A SMART plug's own firmware updates: never switched but by the user.
AUTO_UPDATE_SWITCH: LanMeterSwitchDescription[KasaState, None, KasaCoordinator] = (
    LanMeterSwitchDescription(
        key="firmware_auto_update",
        translation_key="firmware_auto_update",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda state, _: state.cloud.auto_update if state.cloud else None,
        set_fn=_set_auto_update,
    )
)


def strip_device_info(info: SysInfo) -> DeviceInfo:
    return DeviceInfo(
        identifiers={(DOMAIN, info.mac)},
        connections={(CONNECTION_NETWORK_MAC, info.mac.lower())},
        manufacturer=MANUFACTURER,
        model=info.model,
        name=info.alias,
        sw_version=info.sw_ver,
        hw_version=info.hw_ver,
    )


def outlet_device_info(info: SysInfo, slot: int, via: DeviceInfo) -> DeviceInfo:
    """An outlet's own device, linked to the strip by `via` (compat.via_device)."""
    outlet = info.outlets[slot]
    return DeviceInfo(
        identifiers={(DOMAIN, outlet_id(info.mac, slot))},
        **via,
        manufacturer=MANUFACTURER,
        model=f"{info.model} outlet {slot + 1}",
        name=outlet.alias,
    )


def outlet_power_sensors(info: SysInfo) -> list[DevicePower]:
    """Each metered outlet's power, for the whole-home view (unique ids as built below)."""
    if not info.has_meter:
        return []
    return [DevicePower(f"{outlet_id(info.mac, outlet.slot)}_power") for outlet in info.outlets]


def build_entities(coordinator: KasaCoordinator, platform: Platform) -> list[Entity]:
    """The entities of the device on one platform, from what its first poll showed."""
    info = coordinator.data.reading.info
    strip = strip_device_info(info)
    mac = info.mac
    entities: list[Entity] = []
    via = (
        via_device(coordinator.hass, coordinator.config_entry.entry_id, (DOMAIN, mac))
        if info.is_strip
        else DeviceInfo()
    )
    for outlet in info.outlets:
        slot = outlet.slot
        device = outlet_device_info(info, outlet.slot, via) if info.is_strip else strip
        prefix = outlet_id(mac, outlet.slot)
        if platform is Platform.SWITCH:
            entities.append(LanMeterSwitch(coordinator, OUTLET_SWITCH, device, prefix, slot))
        elif platform is Platform.SENSOR and info.has_meter:
            entities.extend(
                LanMeterSensor(coordinator, description, device, prefix, slot)
                for description in OUTLET_SENSORS
                if info.has_voltage or description.key not in ELECTRICAL
            )
        if info.has_meter:
            watch = coordinator.outlet_cycle(slot)
            entities += cycle_entities(platform, coordinator, watch, device, prefix)
    cloud = coordinator.data.cloud
    if platform is Platform.SWITCH:
        entities.append(LanMeterSwitch(coordinator, LED_SWITCH, strip, mac, None))
        if cloud is not None and cloud.auto_update is not None:
            entities.append(LanMeterSwitch(coordinator, AUTO_UPDATE_SWITCH, strip, mac, None))
    elif platform is Platform.BINARY_SENSOR and cloud is not None:
        entities.append(LanMeterBinarySensor(coordinator, CLOUD_CONNECTION, strip, mac, None))
    elif platform is Platform.SENSOR:
        entities.append(LanMeterSensor(coordinator, STRIP_RSSI, strip, mac, None))
        entities.append(LanMeterSensor(coordinator, STRIP_CLOCK_OFFSET, strip, mac, None))
        if info.has_meter and info.is_strip:
            entities.append(LanMeterSensor(coordinator, STRIP_POWER, strip, mac, None))
    return entities
