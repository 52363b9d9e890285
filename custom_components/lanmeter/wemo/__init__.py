"""The WeMo kind: Belkin WeMo switches, Insight plugs and Light Switches, with UPnP push."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.entity import Entity

from ..const import DOMAIN
from ..power_sensors import async_offer
from ..runtime import BaseRuntime, LanMeterConfigEntry, listen_for_updates
from .const import CONF_CALLBACK_ADDRESS
from .coordinator import WemoCoordinator
from .discovery import DEVICE_ERRORS, NotAWemoError, connect
from .entities import build_entities, insight_power_sensors
from .registry import SharedRegistry, async_acquire, async_release, callback_port


class WemoRuntime(BaseRuntime):
    platforms = (
        Platform.SWITCH,
        Platform.SENSOR,
        Platform.EVENT,
        Platform.BINARY_SENSOR,
        Platform.NUMBER,
    )

    def __init__(
        self, coordinator: WemoCoordinator, registry: SharedRegistry, address: tuple[str, Any]
    ) -> None:
        self.coordinator = coordinator
        self.registry = registry
        self.address = address  # (host, port) from the entry when it was set up

    def entities(self, platform: Platform) -> list[Entity]:
        return build_entities(self.coordinator, platform)

    async def async_shutdown(self) -> None:
        await self.registry.forget(self.coordinator.device)
        await self.coordinator.async_shutdown()
        await async_release(self.coordinator.hass, self.registry)

    def diagnostics(self) -> dict[str, Any]:
        return self.coordinator.diagnostics()


async def async_setup_wemo(hass: HomeAssistant, entry: LanMeterConfigEntry) -> WemoRuntime:
    try:
        device = await hass.async_add_executor_job(
            connect, entry.data[CONF_HOST], entry.data.get(CONF_PORT)
        )
    except (NotAWemoError, *DEVICE_ERRORS) as err:
        device, error = None, str(err)
    else:
        error = "no WeMo answered on ports 49151-49159"
    if device is None:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="wemo_unreachable",
            translation_placeholders={"name": entry.title, "error": error},
        )
    port = callback_port(entry.options)
    try:
        registry = await async_acquire(hass, port, entry.options.get(CONF_CALLBACK_ADDRESS) or None)
    except OSError as err:  # another program holds the push port: retry later, say which
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="wemo_callback_port",
            translation_placeholders={"port": str(port), "error": str(err)},
        ) from err
    coordinator = WemoCoordinator(hass, entry, device, registry)
    try:
        await coordinator.async_restore()
        await coordinator.async_config_entry_first_refresh()
        await coordinator.start_push()
        await coordinator.async_enable_long_press()
    except Exception:
        await async_release(hass, registry)
        raise
    wemo = WemoRuntime(coordinator, registry, (entry.data[CONF_HOST], entry.data.get(CONF_PORT)))
    listen_for_updates(entry, wemo, _async_entry_updated)
    async_offer(hass, entry, insight_power_sensors(coordinator))
    return wemo


async def _async_entry_updated(
    hass: HomeAssistant, entry: LanMeterConfigEntry, device: WemoRuntime
) -> None:
    """SSDP found the WeMo at a new address: reload. The push port or address changed (the
    options flow writes them to every WeMo entry): move the shared callback server, no reload.

    This listener is the one place that reloads on entry changes: Home Assistant 2026.11
    reports flows that reload an entry themselves while it has an update listener."""
    if (entry.data[CONF_HOST], entry.data.get(CONF_PORT)) != device.address:
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    await device.registry.async_apply(
        callback_port(entry.options),
        entry.options.get(CONF_CALLBACK_ADDRESS) or None,
    )
