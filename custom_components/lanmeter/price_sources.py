"""The energy prices kinds offer the rest of LAN Meter (one typed registry, like
power_sensors.py): a Glow CAD knows the meter's own unit rate, and an appliance cycle's cost
uses it when the Energy dashboard has no grid price."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .entry_offers import async_offer_for_entry


@dataclass(frozen=True)
class EnergyPrice:
    """What a kWh of electricity costs, in a currency (ISO 4217)."""

    per_kwh: float
    currency: str


type PriceSource = Callable[[], EnergyPrice | None]

OFFERED: HassKey[dict[str, PriceSource]] = HassKey(f"{DOMAIN}_energy_price")


@callback
def async_offer_price(hass: HomeAssistant, entry: ConfigEntry, source: PriceSource) -> None:
    """The entry's price (asked when needed: None while it knows none), withdrawn at unload."""
    async_offer_for_entry(hass, OFFERED, entry, source)


@callback
def async_offered_price(hass: HomeAssistant) -> EnergyPrice | None:
    """The first offered price known now (entries in the order they set up)."""
    for source in hass.data.get(OFFERED, {}).values():
        if (price := source()) is not None:
            return price
    return None
