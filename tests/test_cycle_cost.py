"""A finished appliance cycle's cost: its energy at the Energy dashboard's grid price (a fixed
price or a price entity, in both of the dashboard's stored layouts), else a Glow CAD's unit
rate."""

from __future__ import annotations

from typing import Any

from homeassistant.components.energy.data import async_get_manager
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from devkit.simulators.glow_cad import SimulatedCad
from devkit.simulators.kasa_device import SimulatedKasaDevice
from tests.kinds.cycles import cycle_events, run_for
from tests.kinds.glow import CAD_ID, add_receiver, url
from tests.kinds.kasa import add_strip
from tests.mosquitto import free_port


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder (which the Energy dashboard needs) starts before Home Assistant does."""


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.time_sensitive
@pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True)
@pytest.mark.parametrize(
    "grid",
    [
        {  # the Energy dashboard's layout before grid connections were unified
            "type": "grid",
            "flow_from": [
                {
                    "stat_energy_from": "sensor.meter",
                    "stat_cost": None,
                    "entity_energy_price": None,
                    "number_energy_price": 0.30,
                }
            ],
            "flow_to": [],
            "cost_adjustment_day": 0.0,
        },
        {  # and after (Home Assistant 2025.12+)
            "type": "grid",
            "stat_energy_from": "sensor.meter",
            "stat_energy_to": None,
            "stat_cost": None,
            "entity_energy_price": "sensor.unit_rate",
            "number_energy_price": None,
            "cost_adjustment_day": 0.0,
        },
    ],
    ids=["flow_from", "unified"],
)
async def test_a_finished_cycle_costs_what_the_energy_dashboard_charges(
    hass: HomeAssistant,
    freezer,
    washer_strip: SimulatedKasaDevice,
    grid: dict[str, Any],
) -> None:
    hass.states.async_set("sensor.unit_rate", "0.30", {"unit_of_measurement": "GBP/kWh"})
    assert await async_setup_component(hass, "energy", {})
    await (await async_get_manager(hass)).async_update({"energy_sources": [grid]})
    await add_strip(hass, washer_strip)
    fired = cycle_events(hass)
    await run_for(hass, freezer, 5)
    washer_strip.set_load(4, 2000.0)
    await run_for(hass, freezer, 30)  # 1 kWh
    washer_strip.set_load(4, 0.5)
    await run_for(hass, freezer, 6)
    finished = fired[-1]
    assert finished["event_type"] == "cycle_finished"
    assert finished["cost"] == pytest.approx(finished["energy_kwh"] * 0.30, abs=0.01)
    assert finished["cost"] == pytest.approx(0.30, abs=0.02)
    assert finished["currency"] == hass.config.currency


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.time_sensitive
@pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True)
async def test_without_a_dashboard_price_a_glow_cads_unit_rate_prices_the_cycle(
    hass: HomeAssistant,
    freezer,
    washer_strip: SimulatedKasaDevice,
) -> None:
    """No Energy dashboard price: the meter's own tariff (0.245 GBP/kWh, from the CAD's
    upload) is the price, in the meter's currency."""
    receiver = await add_receiver(hass, free_port())
    await add_strip(hass, washer_strip)
    fired = cycle_events(hass)
    async with SimulatedCad(url(receiver), CAD_ID) as cad:

        async def reporting(minutes: int) -> None:  # a CAD uploads every 10 s; here each minute
            for _ in range(minutes):
                await cad.upload()
                await run_for(hass, freezer, 1)

        await reporting(5)
        washer_strip.set_load(4, 2000.0)
        await reporting(30)  # 1 kWh
        washer_strip.set_load(4, 0.5)
        await reporting(6)
        assert hass.states.get("sensor.glow_cad_008d10_unit_rate").state == "0.245"
    finished = fired[-1]
    assert finished["event_type"] == "cycle_finished"
    assert finished["cost"] == pytest.approx(finished["energy_kwh"] * 0.245, abs=0.01)
    assert finished["currency"] == "GBP"
