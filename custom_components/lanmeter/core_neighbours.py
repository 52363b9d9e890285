"""Devices a core integration already runs (TP-Link Smart Home, Belkin WeMo): LAN Meter does not
offer them again when they are discovered. Both would poll or subscribe to the same device (a
strip answers one request at a time and rate-limits the rest), and the user chose core for it.
Added by hand, LAN Meter takes it anyway (README: *Beside core integrations*)."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryDisabler
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

TPLINK = "tplink"
WEMO = "wemo"


def core_runs(
    hass: HomeAssistant, domain: str, *, mac: str | None = None, serial: str | None = None
) -> bool:
    """Whether an enabled entry of core integration `domain` has this device: by the entry's
    unique id (core TP-Link: one entry per device, its MAC) or by a device of its entries (core
    WeMo: one entry, a device per WeMo identified by its serial number)."""
    entries = [
        entry
        for entry in hass.config_entries.async_entries(domain)
        if entry.disabled_by is not ConfigEntryDisabler.USER and entry.source != "ignore"
    ]
    if mac is not None and any(entry.unique_id == dr.format_mac(mac) for entry in entries):
        return True
    registry = dr.async_get(hass)
    for entry in entries:
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
            if serial is not None and (domain, serial) in device.identifiers:
                return True
            if mac is not None and (dr.CONNECTION_NETWORK_MAC, dr.format_mac(mac)) in (
                device.connections
            ):
                return True
    return False
