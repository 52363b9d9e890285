"""Stored state of the wrong shape: the bad record is skipped, the rest loads, the entry loads."""

from __future__ import annotations

from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.glow_cad import SimulatedCad
from devkit.simulators.kasa_device import SimulatedKasaDevice
from tests.mosquitto import free_port

pytestmark = pytest.mark.usefixtures("socket_enabled")


def stored(key: str, data: Any) -> dict[str, Any]:
    return {"version": 1, "minor_version": 1, "key": key, "data": data}


async def test_kasa_totals_skip_the_bad_records(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    async with SimulatedKasaDevice.hs300(mac="50:C7:BF:AA:BB:01") as strip:
        for slot, name in enumerate(["Kettle", "Toaster", "Fridge", "Microwave", "Radio", "Lamp"]):
            strip.sysinfo["children"][slot]["alias"] = name
            strip.outlets[slot].on = True
        entry = MockConfigEntry(
            domain=DOMAIN,
            entry_id="kasa1",
            unique_id="50:c7:bf:aa:bb:01",
            title="Strip",
            data={"kind": "kasa", "host": "127.0.0.1", "port": strip.port},
        )
        entry.add_to_hass(hass)
        key = "lanmeter.kasa_energy.kasa1"
        hass_storage[key] = stored(
            key,
            {
                "totals": {
                    "0": {"offset": "lots", "last_raw": 0.0},  # a string for a number
                    "1": {"offset": 5.0, "last_raw": 0.0, "extra": 1},  # an extra key
                    "2": {"offset": 100.0, "last_raw": 0.0},  # good
                    "3": {"last_raw": 0.0},  # a missing key
                    "four": {"offset": 1.0, "last_raw": 0.0},  # not a slot
                }
            },
        )
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is config_entries.ConfigEntryState.LOADED
        assert float(hass.states.get("sensor.fridge_energy_total").state) >= 100.0
        assert float(hass.states.get("sensor.kettle_energy_total").state) < 100.0
        assert float(hass.states.get("sensor.toaster_energy_total").state) < 5.0
    skipped = [r.getMessage() for r in caplog.records if "Skipped a stored" in r.getMessage()]
    assert len(skipped) == 4, skipped


async def test_glow_cads_skip_the_bad_records(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    port = free_port()
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id="glow1",
        unique_id=f"zb02:{port}",
        title="Glow",
        data={"kind": "glow", "mode": "zb02", "port": port, "listen_address": "127.0.0.1"},
        options={"allowed_devices": []},
    )
    entry.add_to_hass(hass)
    good = {
        "cost": {"day": None, "cost_gbp": 0.0, "standing_added": False, "last_import_kwh": None},
        "import_total": {"offset": 1000.0, "last_raw": None},
        "export_total": {"offset": 0.0, "last_raw": None},
    }
    hass_storage["lanmeter.glow.glow1"] = stored(
        "lanmeter.glow.glow1",
        {
            "devices": {
                "70B3D521E0DE0001": good | {"cost": {"cost_gbp": "free"}},
                "70B3D521E0DE0002": good,
                "70B3D521E0DE0003": ["not", "a", "record"],
            }
        },
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert list(entry.runtime_data.runtime.coordinator.data) == ["70B3D521E0DE0002"]
    async with SimulatedCad(f"https://127.0.0.1:{port}/zb02", "70B3D521E0DE0002") as cad:
        assert (await cad.upload())[0] == 200
    await hass.async_block_till_done()
    total = float(hass.states.get("sensor.glow_cad_de0002_electricity_imported").state)
    assert total == pytest.approx(1000.0 + cad.meter.import_kwh, abs=0.01)


async def test_flume_state_skips_the_bad_fields(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id="flume1",
        unique_id="4B1D7E55F1A3C0DE",
        title="Flume",
        data={
            "kind": "flume",
            "host": "127.0.0.1",
            "port": free_port(),
            "tls": False,
            "device_key": "5e" * 32,
            "sensor_id": "4B1D7E55F1A3C0DE",
        },
    )
    entry.add_to_hass(hass)
    hass_storage["lanmeter.flume.flume1"] = stored(
        "lanmeter.flume.flume1",
        {
            "meter": {"counter": "many"},
            "leaks": {"flowing_since": None, "high_since": None, "leak": True, "high_flow": False},
            "day": 20261129,
            "day_start_pulses": 12,
            "calibration_start_pulses": None,
            "bridge_id": None,
        },
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state in (
        config_entries.ConfigEntryState.LOADED,
        config_entries.ConfigEntryState.SETUP_RETRY,  # no broker here; storage was read first
    )
