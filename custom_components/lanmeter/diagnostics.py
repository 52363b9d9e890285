"""Diagnostics download: the entry and device counters, secrets and identifiers redacted."""

from __future__ import annotations

import re
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_KIND, REDACT_KEYS
from .runtime import LanMeterConfigEntry

# Device identifiers also appear as dict keys (Glow CADs by id) and inside other text: a MAC, or
# 12 to 16 hex digits (CAD ids, Flume sensor and bridge ids).
IDENTIFIER = re.compile(r"(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{12,16}")


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LanMeterConfigEntry
) -> dict[str, Any]:
    """Return the entry's data and options and what its device reports about itself."""
    raw = _as_lists(
        {
            "entry": {
                "title": entry.title,
                "kind": entry.data[CONF_KIND],
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "device": entry.runtime_data.runtime.diagnostics(),
        }
    )
    identifiers = _identifiers(raw) | ({entry.unique_id} if entry.unique_id else set())
    scrubbed: dict[str, Any] = _scrub(async_redact_data(raw, REDACT_KEYS), identifiers, {})
    return scrubbed


def _identifiers(data: Any) -> set[str]:
    """Every identifier the redacted keys hold, to be scrubbed wherever else it appears."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in REDACT_KEYS and isinstance(value, str) and len(value) >= 6:
                found.add(value)
            elif key in REDACT_KEYS and isinstance(value, list):
                found.update(v for v in value if isinstance(v, str) and len(v) >= 6)
            found |= _identifiers(value)
    elif isinstance(data, list):
        for value in data:
            found |= _identifiers(value)
    return found


def _scrub(data: Any, identifiers: set[str], aliases: dict[str, str]) -> Any:
    """Identifiers in dict keys and text become stable aliases (**REDACTED_1**, ...), so the
    structure stays readable (two CADs stay two entries) without naming the devices."""

    def alias(identifier: str) -> str:
        return aliases.setdefault(identifier.upper(), f"**REDACTED_{len(aliases) + 1}**")

    def text(value: str) -> str:
        for identifier in identifiers:
            if identifier.upper() in value.upper():
                value = re.sub(re.escape(identifier), alias(identifier), value, flags=re.I)
        return IDENTIFIER.sub(lambda m: alias(m.group(0)), value)

    if isinstance(data, dict):
        return {
            (text(key) if isinstance(key, str) else key): _scrub(value, identifiers, aliases)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_scrub(value, identifiers, aliases) for value in data]
    if isinstance(data, str):
        return text(data)
    return data


def _as_lists(data: Any) -> Any:
    """Tuples (from dataclasses.asdict) as lists: async_redact_data only walks lists."""
    if isinstance(data, dict):
        return {key: _as_lists(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_as_lists(value) for value in data]
    return data
