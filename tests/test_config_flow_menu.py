"""The first screen a user sees: a menu of device kinds."""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.lanmeter.config_flow import LanMeterConfigFlow
from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.kinds import KINDS


async def test_user_step_is_a_menu_of_every_kind(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["kasa", "wemo", "flume", "glow", "home"]


@pytest.mark.parametrize("kind", list(KINDS))
async def test_every_kind_in_the_menu_opens_its_own_step(hass: HomeAssistant, kind: str) -> None:
    spec = KINDS[kind]
    assert issubclass(LanMeterConfigFlow, spec.flow)  # its steps are the flow's
    assert hasattr(spec.flow, f"async_step_{kind}")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] in (FlowResultType.FORM, FlowResultType.MENU)
    assert result["step_id"] == kind
