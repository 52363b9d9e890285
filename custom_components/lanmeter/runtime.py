"""What a kind hands back to the shared setup: its platforms, entities and diagnostics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.entity import Entity


class Listenable(Protocol):
    """What the shared code needs of a kind's coordinator: to hear of its updates."""

    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: object = None
    ) -> Callable[[], None]:
        """Call `update_callback` after each update until the returned function is called."""


class KindRuntime(Protocol):
    """What runs for one entry of one kind (a strip, a WeMo, a bridge, a receiver and its CADs,
    a home): its coordinator, entities and connections. ("Device" is the registry's word.)"""

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """The platforms its entities live on."""

    @property
    def coordinator(self) -> Listenable:
        """Its <Kind>Coordinator (entities get it typed from the kind's own code); the
        platforms listen to it for sub-devices."""

    def entities(self, platform: Platform) -> list[Entity]:
        """The entities it has on the platform now (built afresh on every call)."""

    def sub_devices(self) -> frozenset[str] | None:
        """Ids of the parts that have entities of their own and can appear after setup (a CAD
        that starts posting, a power sensor joining the home view); None for a device whose
        entities are fixed at setup. When it grows, the platforms add the new parts' entities."""

    def platforms_ready(self) -> None:
        """The platforms' entities exist (start work that needs their entity ids)."""

    async def async_shutdown(self) -> None:
        """Close connections and listeners; called on unload."""

    async def async_remove_device(self, device: DeviceEntry) -> bool:
        """Whether the user may delete this registry device (one it no longer hears)."""

    def diagnostics(self) -> dict[str, Any]:
        """Counters and last payloads for the diagnostics download (redacted later)."""


class BaseRuntime:
    """Defaults a kind's runtime inherits: entities fixed at setup, nothing waiting for
    them. A kind overrides what it needs (Glow and home grow; Kasa imports history)."""

    def sub_devices(self) -> frozenset[str] | None:
        return None

    def platforms_ready(self) -> None:
        return None

    async def async_remove_device(self, device: DeviceEntry) -> bool:
        return False  # its devices come and go with the entry


@dataclass
class LanMeterData:
    """entry.runtime_data: the entry's runtime (its kind is entry.data["kind"])."""

    runtime: KindRuntime


type LanMeterConfigEntry = ConfigEntry[LanMeterData]

type KindSetup = Callable[[HomeAssistant, LanMeterConfigEntry], Awaitable[KindRuntime]]

# One of a kind's config-flow steps, as an unbound method of its flow mixin.
type FlowStep = Callable[[Any, dict[str, Any] | None], Awaitable[ConfigFlowResult]]
# A kind's step for one of Home Assistant's discovery sources (its service info, typed by the
# source: DhcpServiceInfo, SsdpServiceInfo, ZeroconfServiceInfo).
type DiscoveryStep = Callable[[Any, Any], Awaitable[ConfigFlowResult]]

# The discovery sources LanMeterFlowBase routes to the kinds (manifest.json's matchers).
DISCOVERY_SOURCES = ("dhcp", "ssdp", "zeroconf")


def _any_info(info: Any) -> bool:
    return True


@dataclass(frozen=True)
class Discovered:
    """How a kind takes one discovery source: its step, for what it `claims` (when two kinds
    answer one source, the first in KINDS that claims the service info gets it)."""

    step: DiscoveryStep
    claims: Callable[[Any], bool] = _any_info


def listen_for_updates[DeviceT](
    entry: LanMeterConfigEntry,
    device: DeviceT,
    listener: Callable[[HomeAssistant, LanMeterConfigEntry, DeviceT], Awaitable[None]],
) -> None:
    """Call `listener` with the kind's own device (typed) whenever the entry's data or options
    change, until it unloads."""

    async def updated(hass: HomeAssistant, changed: LanMeterConfigEntry) -> None:
        await listener(hass, changed, device)

    entry.async_on_unload(entry.add_update_listener(updated))


def no_options(entry: ConfigEntry) -> type[OptionsFlow] | None:
    """For a kind without options."""
    return None


@dataclass(frozen=True)
class KindSpec:
    """Everything the shared code needs of one kind; each kind exports one (its spec.py) and
    kinds.py builds the dispatch from them.

    `flow` is the kind's config-flow mixin: config_flow.py makes LanMeterConfigFlow inherit it
    (with every other listed kind's), and its first step is `async_step_<kind>` (the menu
    entry); every other step of it is named `async_step_<kind>_...` and its attributes `_<kind>_`
    (one namespace for all kinds: tests/test_config_flow_menu.py checks). The sources Home
    Assistant starts a flow with are the base flow's steps, routed here: `reconfigure`, `reauth`,
    `discovery` (integration_discovery: the data names the kind) and `discovered_by` (dhcp,
    ssdp, zeroconf: the kind's step for each it answers).
    """

    kind: str
    setup: KindSetup
    flow: type
    options_flow: Callable[[ConfigEntry], type[OptionsFlow] | None] = no_options
    reconfigure: FlowStep | None = None
    reauth: FlowStep | None = None
    discovery: FlowStep | None = None  # its integration_discovery step (the data names the kind)
    discovered_by: Mapping[str, Discovered] = field(default_factory=dict)
