"""The first screen a user sees: a menu of device kinds."""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.lanmeter.const import ALL_KINDS, DOMAIN
from custom_components.lanmeter.kinds import KIND_SETUPS


async def test_user_step_is_a_menu_of_every_kind(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["kasa", "wemo", "flume", "glow", "home"]


@pytest.mark.parametrize("kind", [k for k in ALL_KINDS if k not in KIND_SETUPS])
async def test_kinds_not_built_yet_abort_with_a_reason(hass: HomeAssistant, kind: str) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "kind_not_built"
    assert result["description_placeholders"] == {"kind": kind}
