"""The home view's entities: power breakdown sensors, per-device shares, the appliance event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.event import EventEntityDescription
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, Platform, UnitOfPower
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity

from ..binary_sensor import LanMeterBinarySensor, LanMeterBinarySensorDescription
from ..const import DOMAIN
from ..cycle_entities import cycle_entities
from ..event import LanMeterEvent
from ..sensor import ENERGY_TOTAL_KWH, LanMeterSensor, LanMeterSensorDescription, value_sensor
from .const import EVENT_TYPES, NAMED_EVENT_TYPES, named_device_id
from .coordinator import HomeCoordinator, HomeState


def _power[SubjectT](
    key: str,
    value_fn: Callable[[HomeState, SubjectT], float | None],
    *,
    unknown_while_none: bool = False,
) -> LanMeterSensorDescription[HomeState, SubjectT]:
    """A power sensor; without a value it is unavailable (its inputs are), or, with
    unknown_while_none, unknown (the value is still being learnt)."""
    return value_sensor(
        key,
        value_fn,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        suggested_display_precision=0,
        **({"available_fn": lambda state, subject: True} if unknown_while_none else {}),
    )


SENSORS: tuple[LanMeterSensorDescription[HomeState, None], ...] = (
    _power("home_power", lambda state, _: state.home_w),
    _power("tracked_power", lambda state, _: state.tracked_w),
    # Needs an hour of history: unknown until then, not unavailable.
    _power("always_on", lambda state, _: state.always_on_w, unknown_while_none=True),
    _power("other_power", lambda state, _: state.other_w),
)


def _share(state: HomeState, entity_id: str) -> float | None:
    power = state.device_w.get(entity_id)
    if power is None or not state.home_w or state.home_w <= 0:
        return None
    return round(100 * power / state.home_w, 1)


class BreakdownSensor(LanMeterSensor[HomeState, None]):
    """Shows which inputs were left out (unavailable) rather than counted as 0 W."""

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        return {"unavailable_inputs": list(self.coordinator.data.unavailable)}


class AlwaysOnSensor(BreakdownSensor):
    """Also shows what is usual: the median of the last 7 days' Always On (`typical_w`), for
    "higher than usual" automations (the blueprint compares the two)."""

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        typical = self.coordinator.data.always_on_typical_w
        return super().extra_state_attributes | {"typical_w": typical}


def home_device() -> DeviceInfo:
    return DeviceInfo(
        identifiers={(DOMAIN, "home")},
        name="Home",
        manufacturer="LAN Meter",
        model="Whole-home breakdown",
        entry_type=DeviceEntryType.SERVICE,
    )


APPLIANCE_EVENT = EventEntityDescription(
    key="appliance", translation_key="appliance", event_types=EVENT_TYPES
)


def build_entities(coordinator: HomeCoordinator, platform: Platform) -> list[Entity]:
    device = home_device()
    entities: list[Entity] = []
    for entity_id in coordinator.watched_appliances():
        watch = coordinator.appliance_cycle(entity_id)
        appliance = appliance_name(entity_id)
        entities += cycle_entities(
            platform, coordinator, watch, device, f"home_{entity_id}", appliance
        )
    if platform is Platform.EVENT:
        entities.append(
            LanMeterEvent(APPLIANCE_EVENT, device, "home_appliance", coordinator.events)
        )
    entities += named_appliance_entities(coordinator, platform)
    if platform is not Platform.SENSOR:
        return entities
    entities += [
        (AlwaysOnSensor if description.key == "always_on" else BreakdownSensor)(
            coordinator, description, device, "home", None
        )
        for description in SENSORS
    ]
    entities.extend(share_sensors(coordinator, coordinator.devices))
    return entities


NAMED_EVENT = EventEntityDescription(
    key="on_off",
    translation_key="named_appliance",
    name=None,  # the appliance's own name: "Kettle turned on" in the automation editor
    event_types=NAMED_EVENT_TYPES,
)
NAMED_RUNNING = LanMeterBinarySensorDescription[HomeState, str](
    key="running",
    translation_key="running",
    device_class=BinarySensorDeviceClass.RUNNING,
    value_fn=lambda state, key: state.appliance_w.get(key, 0.0) > 0,
)
NAMED_POWER: LanMeterSensorDescription[HomeState, str] = _power(
    "power", lambda state, key: state.appliance_w.get(key)
)
NAMED_ENERGY: LanMeterSensorDescription[HomeState, str] = value_sensor(
    "energy_total", lambda state, key: state.appliance_kwh.get(key), **ENERGY_TOTAL_KWH
)


def named_appliance_entities(coordinator: HomeCoordinator, platform: Platform) -> list[Entity]:
    """Each appliance the user named: its own device with Running, Power (its
    learned step while running, else 0; the Energy dashboard's device power), Energy (an
    Energy dashboard device) and its on/off event (device triggers "Kettle turned on")."""
    entities: list[Entity] = []
    for signature in coordinator.appliances.named():
        key, prefix = signature.key, named_device_id(signature.key)
        device = DeviceInfo(
            identifiers={(DOMAIN, prefix)},
            name=signature.name,
            manufacturer="LAN Meter",
            model="Learned appliance",
            entry_type=DeviceEntryType.SERVICE,
        )
        if platform is Platform.EVENT:
            source = coordinator.named_event(key)
            entities.append(LanMeterEvent(NAMED_EVENT, device, f"{prefix}_on_off", source))
        elif platform is Platform.BINARY_SENSOR:
            entities.append(LanMeterBinarySensor(coordinator, NAMED_RUNNING, device, prefix, key))
        elif platform is Platform.SENSOR:
            entities += [
                LanMeterSensor(coordinator, description, device, prefix, key)
                for description in (NAMED_POWER, NAMED_ENERGY)
            ]
    return entities


def sensor_words(entity_id: str) -> str:
    """A power sensor's entity id in words ("dishwasher plug power"): its name can change or
    be unknown at setup, its id is what the user chose."""
    return entity_id.split(".", 1)[-1].replace("_", " ")


def appliance_name(entity_id: str) -> str:
    """The appliance behind a power sensor: "dishwasher plug" for sensor.dishwasher_plug_power."""
    words = sensor_words(entity_id)
    return words.removesuffix(" power") or words


def share_sensors(coordinator: HomeCoordinator, entity_ids: list[str]) -> list[Entity]:
    """One 'share of home power' sensor per device (disabled by default)."""
    device = home_device()
    sensors: list[Entity] = []
    for entity_id in entity_ids:
        description = LanMeterSensorDescription(
            key=f"share_{entity_id}",
            translation_key="device_share",
            translation_placeholders={"device": sensor_words(entity_id)},
            native_unit_of_measurement=PERCENTAGE,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=0,
            entity_registry_enabled_default=False,
            value_fn=_share,
            available_fn=lambda state, subject: _share(state, subject) is not None,
        )
        sensors.append(LanMeterSensor(coordinator, description, device, "home", entity_id))
    return sensors
