"""A strip whose firmware update closes port 9999 and moves it to KLAP: LAN Meter notices by
discovery, raises a repair that says what to do, asks for the account (reauth), and once it is
given the readings go on with the total exact. Firmware nobody can speak (TPAP) gets a repair
that says what the user can do."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from kasa import Discover
import pytest

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.kasa import const as kasa_const
from devkit.simulators.kasa_klap import SimulatedKlapDevice
from devkit.simulators.kasa_smart import SimulatedSmartDevice
from tests.kinds.kasa import add_strip, kitchen_strip, poll
from tests.kinds.kasa_smart import ACCOUNT, capture

pytestmark = pytest.mark.usefixtures("socket_enabled")
KETTLE = "sensor.kettle_energy_total"


def issue(hass: HomeAssistant, key: str) -> ir.IssueEntry | None:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    return ir.async_get(hass).async_get_issue(DOMAIN, f"{key}_{entry.entry_id}")


async def test_a_strip_moved_to_klap_by_an_update_is_followed_after_the_account(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kasa_const, "DISCOVERY_TIMEOUT_S", 1)
    sim = kitchen_strip()
    await sim.start()
    entry = await add_strip(hass, sim)
    await poll(hass)
    before, used_before = float(hass.states.get(KETTLE).state), sim.outlets[0].used_wh
    # The update: port 9999 closes, the strip answers KLAP over HTTP and on UDP 20002.
    await sim.stop()
    front = SimulatedKlapDevice(sim, **ACCOUNT)
    await front.start()
    monkeypatch.setattr(Discover, "DISCOVERY_PORT_2", front.discovery_port)
    try:
        for _ in range(4):
            await poll(hass)
        assert hass.states.get("sensor.kettle_power").state == "unavailable"
        moved = issue(hass, "kasa_protocol_moved")
        assert moved is not None
        assert moved.translation_placeholders == {"name": "Kitchen strip", "encryption": "KLAP"}
        assert entry.data["connection"]["encryption_type"] == "KLAP"
        await hass.async_block_till_done()
        flows = [
            flow
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == "reauth"
        ]
        assert len(flows) == 1
        result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], ACCOUNT)
        assert result["reason"] == "reauth_successful"
        await hass.async_block_till_done()
        await poll(hass)
        assert hass.states.get("sensor.kettle_power").state != "unavailable"
        assert issue(hass, "kasa_protocol_moved") is None
        # Nothing lost across the change: the total grew by what the kettle used.
        used = (sim.outlets[0].used_wh - used_before) / 1000
        assert float(hass.states.get(KETTLE).state) - before == pytest.approx(used, abs=0.003)
    finally:
        await front.stop()


async def test_a_plug_updated_to_tpap_gets_a_repair_that_says_what_to_do(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.kinds.kasa_smart import add_plug, serve

    monkeypatch.setattr(kasa_const, "DISCOVERY_TIMEOUT_S", 1)
    sim = SimulatedSmartDevice(capture("KP125M"), **ACCOUNT).name("Dryer")
    await serve(monkeypatch, sim)
    await add_plug(hass)
    await sim.stop()
    tpap = SimulatedSmartDevice(capture("KP125M"), **ACCOUNT, encryption="TPAP")
    await serve(monkeypatch, tpap)
    try:
        for _ in range(4):
            await poll(hass)
        found = issue(hass, "kasa_firmware_unsupported")
        assert found is not None
        assert found.translation_placeholders == {
            "name": "Dryer", "model": "KP125M(US)", "encryption": "TPAP",
        }  # fmt: skip
    finally:
        await tpap.stop()
