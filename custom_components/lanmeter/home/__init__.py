"""The home kind: a Sense-style breakdown computed from power sensors, and a Sense plug bridge."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.entity import Entity

from ..const import DOMAIN
from ..runtime import LanMeterConfigEntry
from .const import CONF_EMULATE_SENSE, CONF_SENSE_MONITORS, CONF_SENSE_PORT, DEFAULT_SENSE_PORT
from .entities import build_entities, share_sensors
from .model import HomeModel
from .sense_bridge import MAX_PLUGS, SenseBridge, start_bridge, stop_bridge

# Sense broadcasts, so the bridge listens on every address (tests use 127.0.0.1).
SENSE_LISTEN = "0.0.0.0"


class HomeDevice:
    platforms = (Platform.SENSOR, Platform.EVENT)

    def __init__(self, model: HomeModel) -> None:
        self.model = model
        self.bridge: SenseBridge | None = None
        self._transport: asyncio.DatagramTransport | None = None

    def entities(self, platform: Platform) -> list[Entity]:
        return build_entities(self.model, platform)

    def platforms_ready(self) -> None:
        """Nothing waits for the entities here."""

    async def async_shutdown(self) -> None:
        if self._transport and self.bridge:
            await stop_bridge(self._transport, self.bridge)
        await self.model.async_stop()
        await self.model.async_shutdown()

    def diagnostics(self) -> dict[str, Any]:
        state = self.model.data
        return {
            "mains": self.model.mains,
            "devices": self.model.devices,
            "state": state.__dict__,
            "always_on_coverage_s": self.model.percentile.coverage_s,
            "open_runs": len(self.model.pairer.open),
            "events_fired": self.model.events_fired,
            "sense_bridge": {
                "queries": self.bridge.queries,
                "ignored": self.bridge.ignored,
                "refused": self.bridge.refused,
                "plugs": len(self.model.sense_plugs()[:MAX_PLUGS]),
            }
            if self.bridge
            else None,
        }


async def _start_sense_bridge(
    hass: HomeAssistant, entry: LanMeterConfigEntry, device: HomeDevice
) -> None:
    settings = {**entry.data, **entry.options}
    port = int(settings.get(CONF_SENSE_PORT, DEFAULT_SENSE_PORT))
    issue_id = f"sense_port_{entry.entry_id}"
    try:
        device._transport, device.bridge = await start_bridge(
            SENSE_LISTEN,
            port,
            device.model.sense_plugs,
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


async def async_setup_home(hass: HomeAssistant, entry: LanMeterConfigEntry) -> HomeDevice:
    model = HomeModel(hass, entry)
    await model.async_start()
    device = HomeDevice(model)
    model.on_new_devices = lambda entity_ids: entry.runtime_data.add_entities(
        Platform.SENSOR, share_sensors(model, entity_ids)
    )
    if {**entry.data, **entry.options}.get(CONF_EMULATE_SENSE):
        await _start_sense_bridge(hass, entry, device)
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    return device


async def _async_reload(hass: HomeAssistant, entry: LanMeterConfigEntry) -> None:
    """New sensors or bridge settings: start over with them (the history is kept in storage)."""
    hass.config_entries.async_schedule_reload(entry.entry_id)
