"""The Energy dashboard configuration for LAN Meter's sensors (what the demo saves, and what
README tells people to pick): Glow's grid and gas, Flume's water, each outlet or Insight as an
individual device. Each consumption gets its live rate where Home Assistant takes one, so the
dashboard's *Now* tab shows every device's power and the water's flow: a device's `stat_rate`
from 2025.12, a water source's from 2026.3."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from awesomeversion import AwesomeVersion

DEVICE_RATE_SINCE = GRID_UNIFIED_SINCE = AwesomeVersion("2025.12.0")
WATER_RATE_SINCE = AwesomeVersion("2026.3.0")


def energy_prefs(entity_ids: Iterable[str], ha_version: str) -> dict[str, Any]:
    """`energy/save_prefs` data for these LAN Meter entity ids on that Home Assistant."""
    ids = list(entity_ids)
    version = AwesomeVersion(ha_version)

    def ending(suffix: str) -> list[str]:
        return [i for i in ids if i.startswith("sensor.") and i.endswith(suffix)]

    def rate(total: str, suffix: str, rate_suffix: str, since: AwesomeVersion) -> dict[str, str]:
        """The live sensor beside a total (the same device's), if this release takes one."""
        live = total.removesuffix(suffix) + rate_suffix
        return {"stat_rate": live} if live in ids and version >= since else {}

    devices = [
        {"stat_consumption": total, **rate(total, "_energy_total", "_power", DEVICE_RATE_SINCE)}
        for total in ending("_energy_total")
    ]
    sources = [
        _grid(imported.removesuffix("_electricity_imported"), ids, version)
        for imported in ending("_electricity_imported")
    ]
    no_cost = {"stat_cost": None, "entity_energy_price": None, "number_energy_price": None}
    sources += [
        {"type": "gas", "stat_energy_from": gas, **no_cost} for gas in ending("_gas_volume")
    ]
    sources += [
        {
            "type": "water",
            "stat_energy_from": water,
            **no_cost,
            **rate(water, "_water_total", "_flow_rate", WATER_RATE_SINCE),
        }
        for water in ending("_water_total")
    ]
    return {"device_consumption": devices, "energy_sources": sources}


def _grid(meter: str, ids: list[str], version: AwesomeVersion) -> dict[str, Any]:
    """A Glow CAD's grid: import at its unit rate, export, and its power for *Now*."""
    imported, exported = f"{meter}_electricity_imported", f"{meter}_electricity_exported"
    price = f"{meter}_unit_rate" if f"{meter}_unit_rate" in ids else None
    if version < GRID_UNIFIED_SINCE:  # import and export as lists of flows
        return {
            "type": "grid",
            "flow_from": [
                {
                    "stat_energy_from": imported,
                    "stat_cost": None,
                    "entity_energy_price": price,
                    "number_energy_price": None,
                }
            ],
            "flow_to": [
                {
                    "stat_energy_to": exported,
                    "stat_compensation": None,
                    "entity_energy_price": None,
                    "number_energy_price": None,
                }
            ]
            if exported in ids
            else [],
            "cost_adjustment_day": 0.0,
        }
    grid: dict[str, Any] = {  # one connection with import and export
        "type": "grid",
        "stat_energy_from": imported,
        "stat_energy_to": exported if exported in ids else None,
        "stat_cost": None,
        "entity_energy_price": price,
        "number_energy_price": None,
        "cost_adjustment_day": 0.0,
    }
    if f"{meter}_power" in ids:
        grid["stat_rate"] = f"{meter}_power"
    return grid
