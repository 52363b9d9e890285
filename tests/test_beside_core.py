"""LAN Meter beside the core integrations people already run (issue 31): core TP-Link on a plug and
LAN Meter on a strip in one Home Assistant, on the library versions core pinned for this release.
Both load, both update, Home Assistant installs nothing, and nothing logs an error."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from homeassistant.util import package as pkg_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.kasa_device import SimulatedKasaDevice
from tests.conftest import captures_dir
from tests.kinds.kasa import add_strip, kitchen_strip, poll

pytestmark = pytest.mark.usefixtures("socket_enabled")

PLUG_MAC = "50:C7:BF:AA:CC:01"
SHARED = ("python-kasa", "kasa-crypt", "pywemo", "paho-mqtt", "orjson")


async def test_core_tplink_and_lanmeter_run_side_by_side(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check requirements as a user's Home Assistant does (tests skip pip), recording installs.
    installs: list[str] = []

    def install_package(package: str, *args: Any, **kwargs: Any) -> bool:
        installs.append(package)
        return True

    monkeypatch.setattr(pkg_util, "install_package", install_package)
    hass.config.skip_pip = False
    capture = captures_dir("kasa") / "KP115(US)_1.0_1.0.21.json"
    plug = SimulatedKasaDevice.from_capture(capture, mac=PLUG_MAC)
    plug.sysinfo["alias"] = "Desk lamp"
    plug.outlets[0].on = True
    plug.set_load(0, 40.0)
    async with plug, kitchen_strip() as strip:
        core = MockConfigEntry(
            domain="tplink",
            data={"host": "127.0.0.1", "port": plug.port},
            unique_id=format_mac(PLUG_MAC),
        )
        core.add_to_hass(hass)
        assert await hass.config_entries.async_setup(core.entry_id)
        await hass.async_block_till_done()
        entry = await add_strip(hass, strip)
        assert core.state is ConfigEntryState.LOADED
        assert entry.state is ConfigEntryState.LOADED
        core_switches = [
            e.entity_id
            for e in er.async_entries_for_config_entry(er.async_get(hass), core.entry_id)
            if e.domain == "switch" and e.entity_category is None
        ]
        assert len(core_switches) == 1, core_switches
        lamp = core_switches[0]
        assert hass.states.get(lamp).state == STATE_ON
        plug.outlets[0].on = False  # switched at the plug: core sees it at its next poll
        strip.set_load(0, 1200.0)
        for _ in range(3):
            await poll(hass)
        assert hass.states.get(lamp).state == "off"
        assert float(hass.states.get("sensor.kettle_power").state) == pytest.approx(1200, abs=1)
    shared = [name for name in installs if name.split("=")[0].split(">")[0] in SHARED]
    assert shared == [], f"Home Assistant would reinstall {shared}"
    errors = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR
        and r.name.startswith(
            ("homeassistant.components.tplink", "custom_components.lanmeter", "kasa")
        )
    ]
    assert errors == []
    assert hass.config_entries.async_entries(DOMAIN) == [entry]


async def test_a_strip_core_tplink_runs_is_not_offered_again(hass: HomeAssistant) -> None:
    """Both integrations match a TP-Link strip's DHCP request: the one the user already chose
    keeps it; LAN Meter's card does not appear (added by address, LAN Meter takes it)."""
    MockConfigEntry(domain="tplink", unique_id="50:c7:bf:aa:bb:01", data={"host": "x"}).add_to_hass(
        hass
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_DHCP},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="hs300", macaddress="50c7bfaabb01"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "followed_by_core"


async def test_a_wemo_core_wemo_runs_is_not_offered_again(hass: HomeAssistant) -> None:
    core = MockConfigEntry(domain="wemo", data={})
    core.add_to_hass(hass)
    dr.async_get(hass).async_get_or_create(
        config_entry_id=core.entry_id, identifiers={("wemo", "221517K0101769")}
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_SSDP},
        data=SsdpServiceInfo(
            ssdp_usn="uuid:Insight-1_0-221517K0101769::urn:Belkin:service:basicevent:1",
            ssdp_st="urn:Belkin:service:basicevent:1",
            ssdp_location="http://127.0.0.1:49153/setup.xml",
            upnp={
                "manufacturer": "Belkin International Inc.",
                "serialNumber": "221517K0101769",
                "friendlyName": "Dryer",
            },
        ),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "followed_by_core"
