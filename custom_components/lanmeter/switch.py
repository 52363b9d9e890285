"""Switches of every kind (outlets, plugs, the strip LED)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .entity import LanMeterEntity, LanMeterEntityDescription
from .platform_setup import add_kind_entities
from .runtime import LanMeterConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class LanMeterSwitchDescription[DataT, SubjectT, CoordinatorT: DataUpdateCoordinator[Any]](
    LanMeterEntityDescription[DataT, SubjectT, bool | None], SwitchEntityDescription
):
    """A switch description: `set_fn(coordinator, subject, on)` switches the device, typed
    over the kind's own coordinator (CoordinatorT), so its action is checked."""

    set_fn: Callable[[CoordinatorT, SubjectT, bool], Awaitable[None]]


class LanMeterSwitch[DataT, SubjectT, CoordinatorT: DataUpdateCoordinator[Any]](
    LanMeterEntity[DataT, SubjectT, bool | None], SwitchEntity
):
    """A switch whose state and action come from its description."""

    entity_description: LanMeterSwitchDescription[DataT, SubjectT, CoordinatorT]

    def __init__(
        self,
        coordinator: CoordinatorT,
        description: LanMeterSwitchDescription[DataT, SubjectT, CoordinatorT],
        device_info: DeviceInfo,
        unique_prefix: str,
        subject: SubjectT,
    ) -> None:
        super().__init__(coordinator, description, device_info, unique_prefix, subject)
        self._switching = coordinator  # the same object, with its kind's type

    @property
    def is_on(self) -> bool | None:
        """Whether the device reports the switch on."""
        return self.value

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on; the coordinator reflects the new state at once."""
        await self.entity_description.set_fn(self._switching, self.subject, True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off; the coordinator reflects the new state at once."""
        await self.entity_description.set_fn(self._switching, self.subject, False)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LanMeterConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the device's switches."""
    add_kind_entities(Platform.SWITCH, entry, async_add_entities)
