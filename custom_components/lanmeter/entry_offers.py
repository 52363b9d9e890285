"""What a config entry offers the other kinds (power sensors, a price), kept in hass.data by
entry id for as long as the entry is loaded: the one mechanism behind power_sensors.py and
price_sources.py."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey


@callback
def async_offer_for_entry[T](
    hass: HomeAssistant, key: HassKey[dict[str, T]], entry: ConfigEntry, offer: T
) -> None:
    """The entry's offer under `key`, withdrawn when it unloads."""
    offered = hass.data.setdefault(key, {})
    offered[entry.entry_id] = offer

    @callback
    def withdraw() -> None:
        offered.pop(entry.entry_id, None)

    entry.async_on_unload(withdraw)
