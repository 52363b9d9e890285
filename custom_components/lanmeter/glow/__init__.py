"""The Glow kind: a Hildebrand Glow CAD's /zb02 uploads (HTTPS receiver) or its local MQTT."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from homeassistant.const import CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.entity import Entity

from ..const import DOMAIN
from ..mqtt_client import MqttConnection
from ..mqtt_entry import async_connect
from ..price_sources import async_offer_price
from ..runtime import BaseRuntime, LanMeterConfigEntry
from .certificate import server_context
from .const import (
    CERT_DIR,
    CONF_LISTEN,
    CONF_MODE,
    CONF_PREFIX,
    DEFAULT_PREFIX,
    GLOW_IDENTITY,
    MODE_ZB02,
)
from .coordinator import GlowCoordinator
from .entities import cad_binary_sensors, cad_sensors
from .receiver import ListenPortError, PortDenied, Zb02Receiver


class GlowRuntime(BaseRuntime):
    """A running receiver (or MQTT subscription) and the CADs it has heard."""

    platforms = (Platform.SENSOR, Platform.BINARY_SENSOR)

    def __init__(
        self,
        coordinator: GlowCoordinator,
        receiver: Zb02Receiver | None,
        mqtt: MqttConnection | None,
    ) -> None:
        self.coordinator = coordinator
        self.receiver = receiver
        self.mqtt = mqtt

    def entities(self, platform: Platform) -> list[Entity]:
        cads = self.coordinator.data.values()
        if platform is Platform.BINARY_SENSOR:
            return [e for cad in cads for e in cad_binary_sensors(self.coordinator, cad)]
        if platform is not Platform.SENSOR:
            return []
        return [e for cad in cads for e in cad_sensors(self.coordinator, cad, bool(self.mqtt))]

    def sub_devices(self) -> frozenset[str]:
        """The CADs heard so far: each has its own sensors."""
        return frozenset(self.coordinator.data)

    async def async_remove_device(self, device: dr.DeviceEntry) -> bool:
        """A CAD may be deleted while it is silent; a reporting one would come straight back."""
        if (cad_id := GLOW_IDENTITY.device_id_of(device)) is not None:
            return await self.coordinator.async_forget(cad_id)
        return True

    async def async_shutdown(self) -> None:
        if self.receiver:
            await self.receiver.stop()
        if self.mqtt:
            await self.mqtt.stop()
        await self.coordinator.async_shutdown()  # saves its state

    def diagnostics(self) -> dict[str, Any]:
        counters = dict(self.coordinator.counters)
        if self.receiver:
            counters.update(self.receiver.counters)
        return {
            "mode": "zb02" if self.receiver else "mqtt",
            "counters": counters,
            "mqtt_connected": self.mqtt.connected if self.mqtt else None,
            "devices": {
                device_id: {
                    "online": cad.online,
                    "uploads": cad.uploads,
                    "last_seen": cad.last_seen.isoformat() if cad.last_seen else None,
                    "reading": cad.reading.__dict__ if cad.reading else None,
                    "tariff": cad.tariff.__dict__ if cad.tariff else None,
                    "cost": cad.cost.as_dict(),
                    "registers": {
                        name: ledger.counts() for name, ledger in cad.registers().items()
                    },
                }
                for device_id, cad in self.coordinator.cads.items()
            },
        }


def _port_issue_id(entry: LanMeterConfigEntry) -> str:
    return f"glow_port_{entry.entry_id}"


async def _start_receiver(
    hass: HomeAssistant, entry: LanMeterConfigEntry, coordinator: GlowCoordinator
) -> Zb02Receiver:
    context = await hass.async_add_executor_job(
        server_context, Path(hass.config.path(".storage", CERT_DIR))
    )
    receiver = Zb02Receiver(
        entry.data.get(CONF_LISTEN) or None,
        entry.data[CONF_PORT],
        context,
        coordinator.accept_upload,
    )
    try:
        await receiver.start()
    except ListenPortError as err:
        denied = isinstance(err, PortDenied)
        ir.async_create_issue(
            hass,
            DOMAIN,
            _port_issue_id(entry),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="glow_port_denied" if denied else "glow_port_busy",
            translation_placeholders={"port": str(entry.data[CONF_PORT]), "error": str(err)},
        )
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="glow_port_unavailable",
            translation_placeholders={"port": str(entry.data[CONF_PORT]), "error": str(err)},
        ) from err
    ir.async_delete_issue(hass, DOMAIN, _port_issue_id(entry))
    return receiver


async def _start_mqtt(entry: LanMeterConfigEntry, coordinator: GlowCoordinator) -> MqttConnection:
    prefix = entry.data.get(CONF_PREFIX, DEFAULT_PREFIX)
    return await async_connect(
        entry,
        [f"{prefix}/+/STATE", f"{prefix}/+/SENSOR/+"],
        partial(coordinator.on_mqtt_message, prefix),
        coordinator.on_broker,
    )


async def async_setup_glow(hass: HomeAssistant, entry: LanMeterConfigEntry) -> GlowRuntime:
    coordinator = GlowCoordinator(hass, entry)
    await coordinator.async_restore()
    async_offer_price(hass, entry, coordinator.unit_rate)

    if entry.data[CONF_MODE] == MODE_ZB02:
        return GlowRuntime(coordinator, await _start_receiver(hass, entry, coordinator), None)
    return GlowRuntime(coordinator, None, await _start_mqtt(entry, coordinator))
