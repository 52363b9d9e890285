"""The base entity of every LAN Meter kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import (
    CoordinatorEntity,
    DataUpdateCoordinator,
)


def always(data: object, subject: object) -> bool:
    """The default available_fn: available whenever the coordinator is."""
    return True


@dataclass(frozen=True, kw_only=True)
class LanMeterEntityDescription[DataT, SubjectT, ValueT](EntityDescription):
    """What every kind's description adds: how to read the entity's value from its coordinator's
    data (DataT). `subject` (SubjectT: an outlet's slot, a CAD's id; None for a whole device)
    picks the entity's part of the data; ValueT is what the platform shows.
    """

    value_fn: Callable[[DataT, SubjectT], ValueT]
    available_fn: Callable[[DataT, SubjectT], bool] = always


class LanMeterEntity[DataT, SubjectT, ValueT](CoordinatorEntity[DataUpdateCoordinator[DataT]]):
    """An entity that reads its value from a kind's coordinator.

    Poll kinds refresh the coordinator on a timer; push kinds call async_set_updated_data. A failed
    refresh (device gone) makes every entity of the coordinator unavailable at once.
    """

    _attr_has_entity_name = True
    entity_description: LanMeterEntityDescription[DataT, SubjectT, ValueT]

    def __init__(
        self,
        coordinator: DataUpdateCoordinator[DataT],
        description: LanMeterEntityDescription[DataT, SubjectT, ValueT],
        device_info: DeviceInfo,
        unique_prefix: str,
        subject: SubjectT,
    ) -> None:
        """Bind the entity to its device and to its part (`subject`) of the coordinator data."""
        super().__init__(coordinator)
        self.entity_description = description
        self.subject = subject
        self._attr_device_info = device_info
        self._attr_unique_id = f"{unique_prefix}_{description.key}"
        self._written: tuple[bool, ValueT | None, Mapping[str, Any] | None] | None = None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when what users see changed (availability, value, attributes).

        A strip poll updates ~40 entities every few seconds, most unchanged (switches, totals,
        voltage); skipping their writes keeps Home Assistant's CPU and recorder load down.
        """
        available = self.available
        shown = (
            available,
            self.value if available else None,
            self.extra_state_attributes if available else None,
        )
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Unavailable when the device is unreachable or the value is not known to be right."""
        return (
            super().available
            and self.coordinator.data is not None
            and self.entity_description.available_fn(self.coordinator.data, self.subject)
        )

    @property
    def value(self) -> ValueT:
        """The entity's current value from the coordinator data."""
        return self.entity_description.value_fn(self.coordinator.data, self.subject)
