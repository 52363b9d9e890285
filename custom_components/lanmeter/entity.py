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
        # The coordinator data last read, whether it makes the entity available, and its value:
        # read once per update, not again for availability, the comparison and the state write.
        self._read: tuple[DataT | None, bool, ValueT | None] | None = None

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state only when what users see changed (availability, value, attributes).

        A strip poll updates ~40 entities every few seconds, most unchanged (switches, totals,
        voltage); skipping their writes keeps Home Assistant's CPU and recorder load down.
        """
        self._read = None  # the data may be the same object, changed in place
        available = self.available
        shown = (
            available,
            self.value if available else None,
            self.extra_state_attributes if available else None,
        )
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()

    def _reading(self) -> tuple[DataT | None, bool, ValueT | None]:
        """(data, known, value) of the coordinator's current data, computed once per data
        (every publish is a new snapshot; an update handler reads afresh in any case)."""
        data = self.coordinator.data
        if self._read is None or self._read[0] is not data:
            description = self.entity_description
            known = data is not None and description.available_fn(data, self.subject)
            self._read = (data, known, description.value_fn(data, self.subject) if known else None)
        return self._read

    @property
    def available(self) -> bool:
        """Unavailable when the device is unreachable or the value is not known to be right."""
        return super().available and self._reading()[1]

    @property
    def value(self) -> ValueT:
        """The entity's current value from the coordinator data."""
        _, known, value = self._reading()
        if not known:  # asked while unavailable: read it as it is
            return self.entity_description.value_fn(self.coordinator.data, self.subject)
        return value  # type: ignore[return-value]  # known: the value_fn's own result
