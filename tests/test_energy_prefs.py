"""The demo's Energy dashboard configuration (devkit/energy_prefs.py, what README tells people to
pick) is accepted by Home Assistant's energy integration as it is, and gives each device its
power and the water its flow for the *Now* tab where the release takes them."""

from __future__ import annotations

import json
from pathlib import Path

from awesomeversion import AwesomeVersion
from homeassistant.components.recorder import Recorder
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from devkit.energy_prefs import DEVICE_RATE_SINCE, WATER_RATE_SINCE, energy_prefs

TRANSLATIONS = Path(__file__).parents[1] / "custom_components/lanmeter/translations/en.json"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_mock: Recorder) -> None:
    """The recorder (which the energy integration needs) starts before Home Assistant does."""


def entity_ids() -> list[str]:
    """A Glow CAD, two outlets, a Flume and the home view, as Home Assistant names their
    entities (device name + the entity's English name)."""
    names = json.loads(TRANSLATIONS.read_text())["entity"]["sensor"]

    def sensor(device: str, key: str) -> str:
        return f"sensor.{device}_{names[key]['name'].lower().replace(' ', '_')}"

    return [
        *(sensor("glow", key) for key in ("import_total", "export_total", "unit_rate", "power")),
        sensor("glow", "gas_volume_total"),
        *(
            sensor(outlet, key)
            for outlet in ("kettle", "dryer")
            for key in ("energy_total", "power")
        ),
        sensor("flume", "water_total"),
        sensor("flume", "flow_rate"),
        sensor("home", "home_power"),
        "switch.kettle",
    ]


def test_each_total_is_paired_with_the_same_devices_live_sensor() -> None:
    prefs = energy_prefs(entity_ids(), "2026.11.0")
    assert prefs["device_consumption"] == [
        {"stat_consumption": "sensor.kettle_energy_total", "stat_rate": "sensor.kettle_power"},
        {"stat_consumption": "sensor.dryer_energy_total", "stat_rate": "sensor.dryer_power"},
    ]
    grid, gas, water = prefs["energy_sources"]
    assert grid["stat_energy_from"] == "sensor.glow_electricity_imported"
    assert grid["stat_energy_to"] == "sensor.glow_electricity_exported"
    assert grid["entity_energy_price"] == "sensor.glow_unit_rate"
    assert grid["stat_rate"] == "sensor.glow_power"
    assert gas["stat_energy_from"] == "sensor.glow_gas_volume"
    assert water["stat_energy_from"] == "sensor.flume_water_total"
    assert water["stat_rate"] == "sensor.flume_flow_rate"
    older = energy_prefs(entity_ids(), "2025.4.4")
    assert all("stat_rate" not in device for device in older["device_consumption"])
    assert "stat_rate" not in older["energy_sources"][2]
    assert older["energy_sources"][0]["flow_from"][0]["stat_energy_from"] == (
        "sensor.glow_electricity_imported"
    )


async def test_home_assistant_saves_it_and_keeps_the_live_sensors(
    hass: HomeAssistant, hass_ws_client
) -> None:
    assert await async_setup_component(hass, "energy", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "energy/save_prefs", **energy_prefs(entity_ids(), HA_VERSION)}
    )
    saved = await client.receive_json()
    assert saved["success"], saved
    await client.send_json_auto_id({"type": "energy/get_prefs"})
    prefs = (await client.receive_json())["result"]
    devices = {d["stat_consumption"]: d.get("stat_rate") for d in prefs["device_consumption"]}
    water = next(s for s in prefs["energy_sources"] if s["type"] == "water")
    running = AwesomeVersion(HA_VERSION)
    assert devices == {
        "sensor.kettle_energy_total": "sensor.kettle_power"
        if running >= DEVICE_RATE_SINCE
        else None,
        "sensor.dryer_energy_total": "sensor.dryer_power" if running >= DEVICE_RATE_SINCE else None,
    }
    expected_flow = "sensor.flume_flow_rate" if running >= WATER_RATE_SINCE else None
    assert water.get("stat_rate") == expected_flow
    grid = next(s for s in prefs["energy_sources"] if s["type"] == "grid")
    assert "sensor.glow_electricity_imported" in json.dumps(grid)
