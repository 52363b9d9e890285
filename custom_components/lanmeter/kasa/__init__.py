"""The Kasa kind: HS300 strips, HS110/KP115 plugs and KP303/HS107 strips, over port 9999 or
KLAP (newer firmware, with the owner's Kasa account)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util
from kasa import DeviceEncryptionType

from ..power_sensors import async_offer
from ..runtime import BaseRuntime, LanMeterConfigEntry, listen_for_updates
from .client import DEFAULT_PORT, KasaUnsupportedError
from .coordinator import KasaCoordinator, scan_interval
from .entities import build_entities, outlet_power_sensors, strip_device_info
from .entry_data import entry_connection, entry_credentials
from .poll_clock import poll_clock
from .smart_client import client_for
from .statistics import async_import_history


class KasaRuntime(BaseRuntime):
    """The running strip: its coordinator and what the platforms and diagnostics need."""

    platforms = (
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.BINARY_SENSOR,
        Platform.EVENT,
        Platform.NUMBER,
    )

    def __init__(self, coordinator: KasaCoordinator) -> None:
        self.coordinator = coordinator
        self._reachable = True
        self._cancel_import: CALLBACK_TYPE | None = None

    def entities(self, platform: Platform) -> list[Entity]:
        return build_entities(self.coordinator, platform)

    def platforms_ready(self) -> None:
        """The outlets' energy sensors exist: bring the strip's own history into their
        statistics (in the background: setup does not wait for a dozen extra requests)."""
        entry = self.coordinator.config_entry
        self._import_history()
        # The hour Home Assistant started in gets its statistics row when that hour ends; a gap
        # left by a downtime can only be filled once that row exists, so look again then.
        self._import_after_next_compile()
        # The same when the strip itself was away (unplugged, Wi-Fi down) and answers again.
        entry.async_on_unload(self.coordinator.async_add_listener(self._reachability_changed))
        entry.async_on_unload(self._cancel_pending_import)

    @callback
    def _reachability_changed(self) -> None:
        reachable = self.coordinator.last_update_success
        if reachable and not self._reachable:
            self._import_after_next_compile()
        self._reachable = reachable

    @callback
    def _import_after_next_compile(self) -> None:
        self._cancel_pending_import()
        after_next_compile = dt_util.utcnow().replace(
            minute=0, second=0, microsecond=0
        ) + timedelta(hours=1, minutes=15)
        self._cancel_import = async_track_point_in_utc_time(
            self.coordinator.hass, self._import_history, after_next_compile
        )

    @callback
    def _cancel_pending_import(self) -> None:
        if self._cancel_import is not None:
            self._cancel_import()
            self._cancel_import = None

    @callback
    def _import_history(self, _now: datetime | None = None) -> None:
        if _now is not None:
            self._cancel_import = None  # this was the pending one
        entry = self.coordinator.config_entry
        entry.async_create_background_task(
            self.coordinator.hass, self._async_import_history(), f"lanmeter history {entry.title}"
        )

    async def _async_import_history(self) -> None:
        try:
            await async_import_history(self.coordinator.hass, self.coordinator)
        finally:
            # The meter's records were dated by the strip's clock as it was: imported with that
            # offset, the clock may now be set right.
            self.coordinator.allow_setting_clock()

    async def async_shutdown(self) -> None:
        poll_clock(self.coordinator.hass).remove(self.coordinator)
        await self.coordinator.async_shutdown()

    def diagnostics(self) -> dict[str, Any]:
        data = self.coordinator.data
        interval = poll_clock(self.coordinator.hass).interval_of(self.coordinator)
        return {
            "host": self.coordinator.client.host,
            "port": self.coordinator.client.port,
            "connection": self.coordinator.client.connection.to_dict(),
            "poll_interval_s": interval.total_seconds() if interval else None,
            "last_update_success": self.coordinator.last_update_success,
            "stats": asdict(self.coordinator.client.stats),
            "sysinfo": asdict(data.reading.info) if data else None,
            "outlets": [asdict(o) for o in data.reading.outlets] if data else None,
            "energy_total_kwh": data.energy_total_kwh if data else None,
            "energy_today_kwh": data.energy_today_kwh if data else None,
            "clock": self.coordinator.clock_diagnostics(),
            "cloud": asdict(data.cloud) if data and data.cloud else None,
            "firmware_seen": self.coordinator.firmware.as_record()["seen"],
            "registers": self.coordinator.register_diagnostics(),
        }


async def async_setup_kasa(hass: HomeAssistant, entry: LanMeterConfigEntry) -> KasaRuntime:
    """Connect, check the strip is the configured one, and take the first reading."""
    connection = entry_connection(entry.data)
    http_client = None
    if connection.encryption_type is not DeviceEncryptionType.Xor:
        # A session of this entry's own (closed when it unloads): python-kasa clears the cookie
        # jar on every request and keeps its session cookie there, so strips cannot share one;
        # the jar must accept cookies from IP addresses.
        http_client = async_create_clientsession(
            hass, verify_ssl=False, cookie_jar=aiohttp.CookieJar(unsafe=True, quote_cookie=False)
        )
    try:
        client = client_for(
            entry.data[CONF_HOST],
            entry.data.get(CONF_PORT, DEFAULT_PORT),
            connection,
            entry_credentials(entry.data),
            http_client,
        )
    except KasaUnsupportedError as err:  # a stored connection this python-kasa cannot speak
        raise ConfigEntryError(str(err)) from err
    coordinator = KasaCoordinator(hass, entry, client)
    await coordinator.async_restore()
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady:
        await client.close()
        raise
    # The strip's device first: the outlets' devices name it as their via_device.
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **strip_device_info(coordinator.data.reading.info)
    )
    poll_clock(hass).add(coordinator, scan_interval(entry))
    device = KasaRuntime(coordinator)
    listen_for_updates(entry, device, _async_entry_updated)
    async_offer(hass, entry, outlet_power_sensors(coordinator.data.reading.info))
    return device


async def _async_entry_updated(
    hass: HomeAssistant, entry: LanMeterConfigEntry, device: KasaRuntime
) -> None:
    """A new address (DHCP, reconfigure) or Kasa account (reauth) reloads the entry; a new poll
    interval applies at once.

    This listener is the one place that reacts to entry changes: Home Assistant 2026.11 reports
    flows that reload an entry themselves while it has an update listener.
    """
    client = device.coordinator.client
    if (
        entry.data[CONF_HOST],
        entry.data.get(CONF_PORT, DEFAULT_PORT),
        entry_connection(entry.data),
        entry_credentials(entry.data),
    ) != (client.host, client.port, client.connection, client.credentials):
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    clock = poll_clock(hass)
    if clock.interval_of(device.coordinator) != (interval := scan_interval(entry)):
        clock.add(device.coordinator, interval)  # polled with the strips of its new interval
