"""LAN Meter: energy and water devices read over the LAN, with no vendor cloud."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .const import CONF_KIND, DOMAIN
from .flume import services as flume_services
from .kinds import KINDS
from .runtime import LanMeterConfigEntry, LanMeterData

_LOGGER = logging.getLogger(__name__)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions once, whatever entries exist (quality scale)."""
    flume_services.async_register(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: LanMeterConfigEntry) -> bool:
    """Start the entry's runtime with its kind's setup, then forward the kind's platforms."""
    kind = entry.data[CONF_KIND]
    if (spec := KINDS.get(kind)) is None:
        # An entry from a newer LAN Meter after a downgrade: keep it, do not load it.
        _LOGGER.error(
            "Config entry %s is of kind %r, which this LAN Meter version does not know; "
            "update LAN Meter or delete the entry",
            entry.title,
            kind,
        )
        return False
    runtime = await spec.setup(hass, entry)
    entry.runtime_data = LanMeterData(runtime=runtime)
    await hass.config_entries.async_forward_entry_setups(entry, runtime.platforms)
    runtime.platforms_ready()
    return True


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: LanMeterConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let users delete a device their entry no longer hears (a Glow CAD that was replaced)."""
    return await entry.runtime_data.runtime.async_remove_device(device)


async def async_unload_entry(hass: HomeAssistant, entry: LanMeterConfigEntry) -> bool:
    """Unload the platforms, then stop the device's connections and listeners."""
    data = entry.runtime_data
    unloaded = await hass.config_entries.async_unload_platforms(entry, data.runtime.platforms)
    if unloaded:
        await data.runtime.async_shutdown()
    return unloaded
