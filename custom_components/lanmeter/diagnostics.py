"""Diagnostics download: the entry and device counters, secrets and identifiers redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import REDACT_KEYS
from .runtime import LanMeterConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LanMeterConfigEntry
) -> dict[str, Any]:
    """Return the entry's data and options and what its device reports about itself."""
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "kind": entry.runtime_data.kind,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "device": entry.runtime_data.device.diagnostics(),
        },
        REDACT_KEYS,
    )
