"""The LAN Meter home page: a Sense-style picture of the home built only from Home Assistant's own
cards (no custom cards to install). The demo saves it; README shows the same YAML for users.

Entities are picked by their unique ids (stable), so the page works for any set of LAN Meter
devices: a kind that is not configured simply leaves its cards out.
"""

from __future__ import annotations

from collections.abc import Iterable
import re
from typing import Any

# (entity_id, unique_id) of every enabled LAN Meter entity.
Entities = Iterable[tuple[str, str]]

# Kasa outlets' unique ids: the strip's MAC, the outlet's slot, the sensor.
_OUTLET = r"^(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}_\d+_"


def _find(entities: list[tuple[str, str]], pattern: str) -> list[str]:
    rule = re.compile(pattern)
    return [entity_id for entity_id, unique_id in entities if rule.search(unique_id)]


def _first(entities: list[tuple[str, str]], pattern: str) -> str | None:
    found = _find(entities, pattern)
    return found[0] if found else None


def _named(*pairs: tuple[str | None, str]) -> list[dict[str, str]]:
    """Glance entries with short names (the devices' full names do not fit a glance)."""
    return [{"entity": entity_id, "name": name} for entity_id, name in pairs if entity_id]


def lanmeter_dashboard(entities: Entities, note: str | None = None) -> dict[str, Any]:
    """A one-screen view: home power now, power by device, energy today, water, events."""
    pairs = sorted(entities)
    home = {
        key: _first(pairs, f"^home_{key}$")
        for key in ("home_power", "tracked_power", "other_power", "always_on", "appliance")
    }
    device_power = _find(pairs, _OUTLET + "power$") + _find(pairs, r"^wemo_.*_power$")
    glow_power = _first(pairs, r"^glow_.*_power$")
    flume_flow = _first(pairs, r"^flume_.*_flow_rate$")
    columns: list[list[dict[str, Any]]] = [[], [], []]

    if home["home_power"]:
        now = [
            {"entity": e, "name": name}
            for e, name in (
                (home["home_power"], "Home"),
                (home["always_on"], "Always On"),
                (home["other_power"], "Other"),
                (home["tracked_power"], "Known devices"),
            )
            if e
        ]
        columns[0].append({"type": "glance", "title": "Power now", "entities": now})
        columns[0].append(
            {
                "type": "history-graph",
                "title": "Home, Always On and Other",
                "hours_to_show": 3,
                "entities": [e["entity"] for e in now[:3]],
            }
        )
    stacked = device_power + ([home["other_power"]] if home["other_power"] else [])
    if stacked:
        columns[0].append(
            {
                "type": "statistics-graph",
                "title": "Power by device, and Other",
                "chart_type": "line-stack",
                "period": "5minute",
                "stat_types": ["mean"],
                "days_to_show": 0.25,  # six hours
                "hide_legend": True,
                "entities": stacked,
            }
        )

    device_energy = _find(pairs, _OUTLET + "energy_total$") + _find(
        pairs, r"^wemo_.*_energy_total$"
    )
    if device_energy:  # the Energy dashboard's individual devices (where users add these)
        columns[1].append(
            {"type": "energy-devices-graph", "title": "Energy today by device", "max_devices": 10}
        )
    grid = _named(
        (_first(pairs, r"^glow_.*_import_today$"), "Electricity"),
        (_first(pairs, r"^glow_.*_cost_today$"), "Cost"),
        (_first(pairs, r"^glow_.*_gas_today$"), "Gas"),
    )
    if grid:
        columns[1].append({"type": "glance", "title": "Smart meter today", "entities": grid})
    if device_energy:
        columns[1].append(
            {
                "type": "statistics-graph",
                "title": "Energy per day by device",
                "chart_type": "bar-stack",
                "period": "day",
                "stat_types": ["change"],
                "days_to_show": 7,
                "hide_legend": True,
                "entities": device_energy,
            }
        )
    if glow_power and not home["home_power"]:
        columns[1].append({"type": "gauge", "entity": glow_power, "max": 10000})

    water = _named(
        (flume_flow, "Flow"),
        (_first(pairs, r"^flume_.*_water_today$"), "Today"),
        (_first(pairs, r"^flume_.*_leak$"), "Leak"),
        (_first(pairs, r"^flume_.*_high_flow$"), "High flow"),
    )
    if water:
        columns[2].append({"type": "glance", "title": "Water", "entities": water})
    if flume_flow:
        columns[2].append({"type": "history-graph", "hours_to_show": 3, "entities": [flume_flow]})
    switches = _find(pairs, r"^wemo_.*_switch$")
    if switches:
        columns[2].append({"type": "glance", "title": "WeMo", "entities": switches})
    events = (
        ([home["appliance"]] if home["appliance"] else [])
        + _find(pairs, r"^flume_.*_water$")
        + _find(pairs, r"^flume_.*_leak$")
        + _find(pairs, r"^wemo_.*_long_press$")
    )
    if events:
        columns[2].append(
            {
                "type": "logbook",
                "title": "Appliances, water and buttons",
                "hours_to_show": 12,
                "target": {"entity_id": events},
            }
        )
    if note:
        columns[2].append({"type": "markdown", "content": note})

    cards = [{"type": "vertical-stack", "cards": column} for column in columns if column] or [
        {"type": "markdown", "content": "No LAN Meter devices are configured yet."}
    ]
    return {"title": "LAN Meter", "views": [{"title": "Home", "path": "home", "cards": cards}]}


# README's example: one strip with two outlets, a WeMo Insight, a Glow CAD, a Flume and the home.
README_EXAMPLE = [
    ("sensor.kettle_power", "50:C7:BF:00:00:01_0_power"),
    ("sensor.kettle_energy_total", "50:C7:BF:00:00:01_0_energy_total"),
    ("sensor.fridge_power", "50:C7:BF:00:00:01_1_power"),
    ("sensor.fridge_energy_total", "50:C7:BF:00:00:01_1_energy_total"),
    ("switch.washing_machine", "wemo_221517K0ABCD01_switch"),
    ("sensor.washing_machine_power", "wemo_221517K0ABCD01_power"),
    ("sensor.washing_machine_energy_total", "wemo_221517K0ABCD01_energy_total"),
    ("sensor.glow_cad_power", "glow_70B3D521E0000001_power"),
    ("sensor.glow_cad_electricity_today", "glow_70B3D521E0000001_import_today"),
    ("sensor.glow_cad_cost_today", "glow_70B3D521E0000001_cost_today"),
    ("sensor.glow_cad_gas_today", "glow_70B3D521E0000001_gas_today"),
    ("sensor.flume_flow_rate", "flume_4B1D7E55F1000001_flow_rate"),
    ("sensor.flume_water_today", "flume_4B1D7E55F1000001_water_today"),
    ("binary_sensor.flume_leak", "flume_4B1D7E55F1000001_leak"),
    ("binary_sensor.flume_high_flow", "flume_4B1D7E55F1000001_high_flow"),
    ("event.flume_water", "flume_4B1D7E55F1000001_water"),
    ("sensor.home_home_power", "home_home_power"),
    ("sensor.home_known_devices_power", "home_tracked_power"),
    ("sensor.home_other_power", "home_other_power"),
    ("sensor.home_always_on", "home_always_on"),
    ("event.home_appliance", "home_appliance"),
]


def readme_yaml() -> str:
    """The dashboard YAML README shows (tests check README still matches it)."""
    import yaml

    view = lanmeter_dashboard(README_EXAMPLE)["views"][0]
    return yaml.safe_dump(view, sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    print(readme_yaml(), end="")
