"""Home Assistant APIs that changed between LAN Meter's oldest release (2025.4) and current ones.

Each helper uses the current form where Home Assistant has it, else the old one, so neither leg
sees a deprecation report (current: "via_device" and `async_get_device` break in 2027.8).
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntry, DeviceInfo

# 2026.8 replaced DeviceInfo's via_device (an identifier) with via_device_id (a registry id).
HAS_VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__


def via_device(hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]) -> DeviceInfo:
    """The DeviceInfo part that links a device to its parent, already registered by the entry."""
    if HAS_VIA_DEVICE_ID:
        device = device_by_identifier(hass, entry_id, identifier)
        if device is None:
            raise ValueError(f"the parent device {identifier} is not registered yet")
        return DeviceInfo(via_device_id=device.id)  # type: ignore[typeddict-unknown-key,unused-ignore]
    return DeviceInfo(via_device=identifier)  # type: ignore[typeddict-unknown-key,unused-ignore]


def device_by_identifier(
    hass: HomeAssistant, entry_id: str, identifier: tuple[str, str]
) -> DeviceEntry | None:
    """The entry's device with this identifier (identifiers are unique per entry since 2026.8)."""
    registry = dr.async_get(hass)
    if hasattr(registry, "async_get_device_by_identifier"):
        return registry.async_get_device_by_identifier(identifier, entry_id)  # type: ignore[no-any-return,unused-ignore]
    device = registry.async_get_device(identifiers={identifier})
    return device if device is not None and entry_id in device.config_entries else None


def energy_statistic_metadata(statistic_id: str) -> Any:
    """Metadata of an entity's kWh total, as recorder.async_import_statistics takes it
    (2025.10 added unit_class; has_mean gave way to mean_type)."""
    from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData

    metadata: dict[str, Any] = {
        "mean_type": StatisticMeanType.NONE,
        "has_sum": True,
        "name": None,
        "source": "recorder",
        "statistic_id": statistic_id,
        "unit_of_measurement": "kWh",
    }
    if "unit_class" in StatisticMetaData.__annotations__:
        metadata["unit_class"] = "energy"
    return metadata
