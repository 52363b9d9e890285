"""The home kind: a Sense-style breakdown computed from power sensors, and a Sense plug bridge."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.entity import Entity

from ..const import DOMAIN
from ..runtime import BaseRuntime, LanMeterConfigEntry
from .const import CONF_EMULATE_SENSE, CONF_SENSE_MONITORS, CONF_SENSE_PORT, DEFAULT_SENSE_PORT
from .coordinator import HomeCoordinator, home_settings
from .entities import build_entities
from .sense_bridge import MAX_PLUGS, SenseBridge, start_bridge, stop_bridge


class HomeRuntime(BaseRuntime):
    platforms = (Platform.SENSOR, Platform.EVENT, Platform.BINARY_SENSOR, Platform.NUMBER)

    def __init__(self, coordinator: HomeCoordinator) -> None:
        self.coordinator = coordinator
        self.bridge: SenseBridge | None = None
        self._transport: asyncio.DatagramTransport | None = None

    def entities(self, platform: Platform) -> list[Entity]:
        return build_entities(self.coordinator, platform)

    def sub_devices(self) -> frozenset[str]:
        """The power sensors in the breakdown (each has a share sensor) and the named
        appliances (each its device): a new one's entities are added live."""
        named = (f"appliance:{s.key}" for s in self.coordinator.appliances.named())
        return frozenset(self.coordinator.devices).union(named)

    async def async_remove_device(self, device: DeviceEntry) -> bool:
        """A named appliance can be deleted from its device page: it is forgotten with its
        runs (so it may be found and offered again). Home itself stays."""
        return await self.coordinator.async_forget_appliance(
            {identifier for domain, identifier in device.identifiers if domain == DOMAIN}
        )

    async def async_shutdown(self) -> None:
        if self._transport and self.bridge:
            await stop_bridge(self._transport, self.bridge)
        await self.coordinator.async_shutdown()  # unsubscribes and saves

    def diagnostics(self) -> dict[str, Any]:
        state = self.coordinator.data
        appliances = self.coordinator.appliances
        return {
            "mains": self.coordinator.mains,
            "devices": self.coordinator.devices,
            "state": state.__dict__,
            "always_on_coverage_s": self.coordinator.percentile.coverage_s,
            "open_runs": len(self.coordinator.pairer.open),
            "events_fired": self.coordinator.events_fired,
            "appliances": {
                "runs_learned": len(self.coordinator.appliances.learner.runs),
                "learned": [
                    asdict(appliances.describe(key)) | {"status": appliances.status(key)}
                    for key in appliances.learned_keys()
                ],
            },
            "sense_bridge": {
                "queries": self.bridge.queries,
                "answers": self.bridge.answers,
                "ignored": self.bridge.ignored,
                "refused": self.bridge.refused,
                "plugs": len(self.coordinator.sense_plugs()[:MAX_PLUGS]),
            }
            if self.bridge
            else None,
        }


async def _start_sense_bridge(
    hass: HomeAssistant, entry: LanMeterConfigEntry, device: HomeRuntime
) -> None:
    settings = home_settings(entry)
    port = int(settings.get(CONF_SENSE_PORT, DEFAULT_SENSE_PORT))
    issue_id = f"sense_port_{entry.entry_id}"
    try:
        device._transport, device.bridge = await start_bridge(
            port,
            device.coordinator.sense_plugs,
            frozenset(settings.get(CONF_SENSE_MONITORS, [])),
        )
    except OSError as err:
        # The breakdown still works; only the bridge is off until the port is free.
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="sense_port_busy",
            translation_placeholders={"port": str(port), "error": str(err)},
        )
        return
    ir.async_delete_issue(hass, DOMAIN, issue_id)


async def async_setup_home(hass: HomeAssistant, entry: LanMeterConfigEntry) -> HomeRuntime:
    coordinator = HomeCoordinator(hass, entry)
    await coordinator.async_start()
    device = HomeRuntime(coordinator)
    if home_settings(entry).get(CONF_EMULATE_SENSE):
        await _start_sense_bridge(hass, entry, device)
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    return device


async def _async_reload(hass: HomeAssistant, entry: LanMeterConfigEntry) -> None:
    """New sensors or bridge settings: start over with them (the history is kept in storage)."""
    hass.config_entries.async_schedule_reload(entry.entry_id)
