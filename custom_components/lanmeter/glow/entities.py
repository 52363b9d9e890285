"""A Glow CAD's sensors: descriptions over its coordinator's CadState (subject: the CAD id)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfPower,
    UnitOfVolume,
)
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ..binary_sensor import LanMeterBinarySensor, LanMeterBinarySensorDescription
from ..sensor import (
    ENERGY_TOTAL_KWH,
    LanMeterSensor,
    LanMeterSensorDescription,
    SensorValue,
    clock_offset_sensor,
    value_sensor,
)
from .const import GLOW_IDENTITY
from .coordinator import CadSnapshot, GlowCoordinator
from .readings import GlowReading

MANUFACTURER = "Hildebrand"


# A Glow sensor's data is every CAD of the entry; its subject is its CAD's id.
type Cads = dict[str, CadSnapshot]


def _reading(read: Callable[[GlowReading], SensorValue]) -> Callable[[Cads, str], SensorValue]:
    """A field of the CAD's latest reading (None until it sent one)."""

    def value(data: Cads, cad_id: str) -> SensorValue:
        reading = data[cad_id].reading
        return read(reading) if reading else None

    return value


def _cad_clock_offset(data: Cads, cad_id: str) -> float | None:
    cad = data.get(cad_id)
    return cad.clock_offset_s if cad is not None else None


def _online_with(
    value_fn: Callable[[Cads, str], SensorValue],
) -> Callable[[Cads, str], bool]:
    def available(data: Cads, cad_id: str) -> bool:
        cad = data.get(cad_id)  # gone: its device is being deleted
        return cad is not None and cad.online and value_fn(data, cad_id) is not None

    return available


def _sensor(
    key: str, value_fn: Callable[[Cads, str], SensorValue], **kwargs: Any
) -> LanMeterSensorDescription[Cads, str]:
    """Unavailable while the CAD is offline or the value is unknown."""
    kwargs.setdefault("available_fn", _online_with(value_fn))
    return value_sensor(key, value_fn, **kwargs)


def _energy(
    key: str, value_fn: Callable[[Cads, str], SensorValue], **kwargs: Any
) -> LanMeterSensorDescription[Cads, str]:
    return _sensor(key, value_fn, **ENERGY_TOTAL_KWH, **kwargs)


SENSORS = (
    _sensor(
        "power",
        _reading(lambda r: r.power_w),
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
    ),
    _energy("import_total", lambda data, cad_id: data[cad_id].import_total_kwh),
    _energy("export_total", lambda data, cad_id: data[cad_id].export_total_kwh),
    _energy("import_today", _reading(lambda r: r.import_today_kwh)),
    _energy(
        "import_week", _reading(lambda r: r.import_week_kwh), entity_registry_enabled_default=False
    ),
    _energy(
        "import_month",
        _reading(lambda r: r.import_month_kwh),
        entity_registry_enabled_default=False,
    ),
    _sensor(
        "unit_rate",
        lambda data, cad_id: data[cad_id].unit_rate_gbp,
        native_unit_of_measurement="GBP/kWh",
        suggested_display_precision=4,
    ),
    _sensor(
        "standing_charge",
        lambda data, cad_id: data[cad_id].standing_charge_gbp,
        native_unit_of_measurement="GBP/d",
        suggested_display_precision=4,
    ),
    _sensor(
        "cost_today",
        lambda data, cad_id: data[cad_id].cost_today_gbp,
        device_class=SensorDeviceClass.MONETARY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement="GBP",
        suggested_display_precision=2,
    ),
    _sensor(
        "gas_volume_total",
        lambda data, cad_id: data[cad_id].gas_m3_total,
        device_class=SensorDeviceClass.GAS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfVolume.CUBIC_METERS,
        suggested_display_precision=3,
    ),
    _energy("gas_energy_total", lambda data, cad_id: data[cad_id].gas_kwh_total),
    _energy("gas_today", _reading(lambda r: r.gas_today_kwh)),
    _sensor("supplier", _reading(lambda r: r.supplier), entity_category=EntityCategory.DIAGNOSTIC),
    _sensor("mpan", _reading(lambda r: r.mpan), entity_category=EntityCategory.DIAGNOSTIC),
    _sensor("mprn", _reading(lambda r: r.mprn), entity_category=EntityCategory.DIAGNOSTIC),
    _sensor(
        "han_rssi",
        _reading(lambda r: r.han_rssi_dbm),
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _sensor(
        "han_lqi",
        _reading(lambda r: r.han_lqi),
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    _sensor(
        "last_reading",
        _reading(lambda r: r.read_at),
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    clock_offset_sensor(_cad_clock_offset),
)


class CostTodaySensor(LanMeterSensor[Cads, str]):
    """Cost today is a total that restarts each local day: say when (last_reset)."""

    @property
    def last_reset(self) -> datetime | None:
        return dt_util.start_of_local_day()


def cad_device_info(cad: CadSnapshot) -> DeviceInfo:
    reading = cad.reading
    return DeviceInfo(
        identifiers={GLOW_IDENTITY.identifier(cad.device_id)},
        manufacturer=MANUFACTURER,
        model=(reading.hardware if reading and reading.hardware else "Glow CAD"),
        sw_version=reading.firmware if reading else None,
        name=f"Glow CAD {cad.device_id[-6:]}",
    )


# Whether the CAD is reporting: off after 2 minutes of silence, or at once when the MQTT broker
# goes away.
REPORTING: LanMeterBinarySensorDescription[Cads, str] = LanMeterBinarySensorDescription(
    key="cad_reporting",
    translation_key="cad_reporting",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
    value_fn=lambda data, cad_id: data[cad_id].online,
    available_fn=lambda data, cad_id: cad_id in data,
)


def cad_binary_sensors(
    coordinator: GlowCoordinator, cad: CadSnapshot
) -> list[LanMeterBinarySensor[Cads, str]]:
    prefix = GLOW_IDENTITY.key(cad.device_id)
    device = cad_device_info(cad)
    return [LanMeterBinarySensor(coordinator, REPORTING, device, prefix, cad.device_id)]


# Only the local-MQTT feed reports the gas register in kWh; the /zb02 upload has it in m3.
MQTT_ONLY = {"gas_energy_total"}


def cad_sensors(
    coordinator: GlowCoordinator, cad: CadSnapshot, mqtt: bool
) -> list[LanMeterSensor[Cads, str]]:
    device = cad_device_info(cad)
    prefix = GLOW_IDENTITY.key(cad.device_id)
    return [
        (CostTodaySensor if description.key == "cost_today" else LanMeterSensor)(
            coordinator, description, device, prefix, cad.device_id
        )
        for description in SENSORS
        if mqtt or description.key not in MQTT_ONLY
    ]
