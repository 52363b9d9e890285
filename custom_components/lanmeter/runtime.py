"""What a kind hands back to the shared setup: its platforms, entities and diagnostics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback


class KindRuntime(Protocol):
    """One running device of one kind (a strip, a WeMo, a bridge, a CAD, a home)."""

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """The platforms its entities live on."""

    def entities(self, platform: Platform) -> list[Entity]:
        """Entities this device has on the platform when the entry is set up."""

    def platforms_ready(self) -> None:
        """The platforms' entities exist (start work that needs their entity ids)."""

    async def async_shutdown(self) -> None:
        """Close connections and listeners; called on unload."""

    def diagnostics(self) -> dict[str, Any]:
        """Counters and last payloads for the diagnostics download (redacted later)."""


@dataclass
class LanMeterData:
    """entry.runtime_data: the kind's runtime plus the platforms' add-entities callbacks.

    Kinds whose devices appear after setup (a new Glow CAD posting) add entities through
    `add_entities`, so every platform's callback is kept here.
    """

    kind: str
    device: KindRuntime
    adders: dict[Platform, AddConfigEntryEntitiesCallback] = field(default_factory=dict)

    def add_entities(self, platform: Platform, entities: list[Entity]) -> None:
        """Add entities later; dropped quietly if the platform is not set up (unloading)."""
        if entities and (adder := self.adders.get(platform)):
            adder(entities)


type LanMeterConfigEntry = ConfigEntry[LanMeterData]

type KindSetup = Callable[[HomeAssistant, LanMeterConfigEntry], Awaitable[KindRuntime]]
