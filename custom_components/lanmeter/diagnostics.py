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
        _as_lists(
            {
                "entry": {
                    "title": entry.title,
                    "kind": entry.runtime_data.kind,
                    "data": dict(entry.data),
                    "options": dict(entry.options),
                },
                "device": entry.runtime_data.device.diagnostics(),
            }
        ),
        REDACT_KEYS,
    )


def _as_lists(data: Any) -> Any:
    """Tuples (from dataclasses.asdict) as lists: async_redact_data only walks lists."""
    if isinstance(data, dict):
        return {key: _as_lists(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_as_lists(value) for value in data]
    return data
