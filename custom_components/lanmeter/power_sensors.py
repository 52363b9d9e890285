"""The power sensors each kind offers the whole-home view (one typed registry, no guessing).

A kind that measures single appliances (a Kasa outlet, a WeMo Insight) offers their power
sensors when its entry sets up; the home view counts every offered sensor unless the user chose
its devices. Sensors are named by unique id (stable), resolved to entity ids when read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .entry_offers import async_offer_for_entry


@dataclass(frozen=True)
class DevicePower:
    """One appliance's power sensor (W), by its unique id on LAN Meter's sensor platform."""

    unique_id: str


OFFERED: HassKey[dict[str, tuple[DevicePower, ...]]] = HassKey(f"{DOMAIN}_device_power")


@callback
def async_offer(hass: HomeAssistant, entry: ConfigEntry, sensors: Iterable[DevicePower]) -> None:
    """The entry's appliance power sensors, withdrawn when it unloads."""
    async_offer_for_entry(hass, OFFERED, entry, tuple(sensors))


@callback
def async_offered_entity_ids(hass: HomeAssistant) -> list[str]:
    """Entity ids of every offered power sensor that exists and is enabled, sorted."""
    registry = er.async_get(hass)
    found = []
    for sensors in hass.data.get(OFFERED, {}).values():
        for sensor in sensors:
            entity_id = registry.async_get_entity_id("sensor", DOMAIN, sensor.unique_id)
            entity = registry.async_get(entity_id) if entity_id else None
            if entity is not None and not entity.disabled_by:
                found.append(entity.entity_id)
    return sorted(found)
