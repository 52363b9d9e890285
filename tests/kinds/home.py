"""Home view test helpers: adding the home through the config flow and a trace of sensor states
over time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.lanmeter.const import DOMAIN

WATTS = {"unit_of_measurement": "W", "device_class": "power"}


async def add_home(hass: HomeAssistant, **options: Any) -> config_entries.ConfigEntry:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "home"}
    )
    assert result["type"] is FlowResultType.FORM
    answers = {
        "mains": "sensor.mains",
        "devices": ["sensor.kettle_power", "sensor.fridge_power"],
        "step_threshold": 30,
        "emulate_sense": False,
        "sense_port": 9999,
    } | options
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


class Trace:
    """Sets sensor states as time passes (freezer moves Home Assistant's clock)."""

    def __init__(self, hass: HomeAssistant, freezer) -> None:
        self.hass, self.freezer = hass, freezer

    async def at(self, seconds: float, **values: float) -> None:
        self.freezer.tick(timedelta(seconds=seconds))
        for name, value in values.items():
            self.hass.states.async_set(f"sensor.{name}", str(value), WATTS)
        await self.hass.async_block_till_done()
