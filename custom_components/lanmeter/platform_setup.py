"""The one body every platform file shares: add the kind's entities, now and as parts appear."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .runtime import LanMeterConfigEntry


def add_kind_entities(
    platform: Platform,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entities the entry's runtime has now; later, those of parts that appear (like
    core tplink's children): the platform listens to the runtime's coordinator for them."""
    runtime = entry.runtime_data.runtime
    added: set[str | None] = set()
    known = runtime.sub_devices()

    @callback
    def add(entities: list[Entity]) -> None:
        fresh = [e for e in entities if e.unique_id not in added]
        added.update(e.unique_id for e in fresh)
        if fresh:
            async_add_entities(fresh)

    @callback
    def parts_changed() -> None:
        nonlocal known
        if (now := runtime.sub_devices()) == known:
            return
        known = now
        entities = runtime.entities(platform)
        # A part that went away (a deleted CAD) may come back: only what exists now is added.
        added.intersection_update(e.unique_id for e in entities)
        add(entities)

    add(runtime.entities(platform))
    if known is not None:  # a runtime whose parts can appear
        entry.async_on_unload(runtime.coordinator.async_add_listener(parts_changed))
