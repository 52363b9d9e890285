"""Kasa test helpers: the kitchen strip (a simulated HS300), adding it through the config flow,
polling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
)

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.kasa_device import SimulatedKasaDevice

MAC = "50:C7:BF:AA:BB:01"


UNIQUE_ID = MAC.lower()


def kitchen_strip(**kwargs: Any) -> SimulatedKasaDevice:
    """The tests' HS300: six named outlets, the kettle on at 1.5 kW (kwargs: e.g. its clock)."""
    sim = SimulatedKasaDevice.hs300(mac=MAC, **kwargs)
    sim.sysinfo["alias"] = "Kitchen strip"
    for slot, name in enumerate(["Kettle", "Toaster", "Fridge", "Microwave", "Radio", "Lamp"]):
        sim.sysinfo["children"][slot]["alias"] = name
    sim.outlets[0].on = True
    sim.set_load(0, 1500.0)
    return sim


@pytest.fixture
async def strip() -> AsyncIterator[SimulatedKasaDevice]:
    async with kitchen_strip() as sim:
        yield sim


async def start_flow(hass: HomeAssistant, path: str) -> dict:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "kasa"}
    )
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": path})


async def add_strip(hass: HomeAssistant, sim: SimulatedKasaDevice) -> config_entries.ConfigEntry:
    result = await start_flow(hass, "kasa_manual")
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": sim.port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


async def reconfigure(hass: HomeAssistant, entry: config_entries.ConfigEntry) -> dict:
    return await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id},
    )


async def poll(hass: HomeAssistant, seconds: float = 6) -> None:
    """Let the poll timer fire (the strip answers over real TCP)."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))
    # Scheduled refreshes run as background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)


def entity_id(hass: HomeAssistant, unique_suffix: str, domain: str) -> str:
    found = er.async_get(hass).async_get_entity_id(domain, DOMAIN, f"{MAC}_{unique_suffix}")
    assert found, unique_suffix
    return found
