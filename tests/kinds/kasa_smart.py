"""SMART plug test helpers: a recorded device from ../shared/captures/kasa_smart, serving it on
127.0.0.1 with discovery aimed at it, adding it through the config flow, and the dryer (a
KP125M drawing 2 kW)."""

from __future__ import annotations

from collections.abc import AsyncIterator
import datetime as dt
import json

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from kasa import Discover
import pytest

from custom_components.lanmeter.kasa import const as kasa_const
from devkit.simulators.kasa_smart import SimulatedSmartDevice
from tests.conftest import CAPTURES, captures_dir
from tests.kinds.kasa import start_flow
from tests.mosquitto import free_port

ACCOUNT = {"username": "owner@example.com", "password": "Correct-Horse-1"}
MID_MONTH = dt.datetime(2026, 12, 15, 12, 0, tzinfo=dt.UTC)


def capture(model: str) -> dict:
    for path in sorted(captures_dir("kasa_smart").glob("*.json")):
        if path.name.startswith(model):
            return json.loads(path.read_text())
    pytest.skip(f"no {model} capture in ../shared/captures/kasa_smart")


def every_capture() -> list[str]:
    """The models recorded in ../shared (parametrizes at collection: P110 alone, skipped at
    run time, without them)."""
    folder = CAPTURES / "kasa_smart"
    return sorted(path.name.split("(")[0] for path in folder.glob("*.json")) or ["P110"]


async def serve(monkeypatch: pytest.MonkeyPatch, sim: SimulatedSmartDevice) -> SimulatedSmartDevice:
    await sim.start()
    # Discovery's UDP 20002 query goes to the simulator's port on 127.0.0.1.
    monkeypatch.setattr(Discover, "DISCOVERY_PORT_2", sim.discovery_port)
    monkeypatch.setattr(kasa_const, "DISCOVERY_TIMEOUT_S", 2)
    return sim


async def add_plug(hass: HomeAssistant) -> ConfigEntry:
    """Through the UI: the address (port 9999 closed), then the account."""
    result = await start_flow(hass, "kasa_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": free_port()}
    )
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "kasa_auth", result
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


@pytest.fixture
async def dryer(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SimulatedSmartDevice]:
    """A KP125M (KLAP) named Dryer, drawing 2 kW."""
    sim = SimulatedSmartDevice(capture("KP125M"), **ACCOUNT).name("Dryer")
    sim.outlets[0].on = True
    sim.model.set_load(0, 2000.0)
    yield await serve(monkeypatch, sim)
    await sim.stop()


def state(hass: HomeAssistant, entity_id: str) -> float:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return float(found.state)
