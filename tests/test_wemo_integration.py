"""WeMo through Home Assistant: a simulated device that pywemo accepts, with real GENA push."""

from __future__ import annotations

from datetime import timedelta
import re
import socket
from typing import Any

from homeassistant import config_entries
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
import pytest_socket
from pywemo.ouimeaux_device.api.long_press import VIRTUAL_DEVICE_UDN
from pywemo.ouimeaux_device.api.service import Action, Session
import urllib3
import yaml

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.wemo import coordinator as wemo_coordinator
from devkit.simulators.wemo_device import SimulatedWemo
from devkit.simulators.wemo_rules import long_press_targets
from tests.conftest import RecordingDiscoveryResponder, captures_dir
from tests.kinds.wemo import add, state
from tests.mosquitto import free_port
from tests.polling import until

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.usefixtures("wemo_harness")]


async def test_insight_is_added_and_pushes_its_state(
    hass: HomeAssistant, insight: SimulatedWemo
) -> None:
    result = await add(hass, insight)
    entry = result["result"]
    assert entry.unique_id == "221517K0101769"
    assert entry.title == "Dryer"
    assert state(hass, "switch.dryer") == STATE_OFF
    polls = entry.runtime_data.runtime.coordinator.polls
    # Switched at the device: the NOTIFY brings it, no poll.
    insight.load_w = 1500
    await insight.press(True)
    await until(lambda: state(hass, "switch.dryer") == STATE_ON)
    await until(lambda: state(hass, "sensor.dryer_power") == "1500.0")
    assert state(hass, "sensor.dryer_standby_state") == "on"
    await insight.set_load(3.0)  # under the 8 W threshold: BinaryState 8
    await until(lambda: state(hass, "sensor.dryer_standby_state") == "standby")
    assert state(hass, "switch.dryer") == STATE_ON
    assert entry.runtime_data.runtime.coordinator.polls == polls
    # Subscriptions work: no repair notice, even after the Insight was off for a while.
    assert not ir.async_get(hass).async_get_issue(DOMAIN, f"wemo_no_push_{entry.entry_id}")
    energy = hass.states.get("sensor.dryer_energy_total")
    assert energy.attributes["state_class"] == "total_increasing"
    assert energy.attributes["unit_of_measurement"] == "kWh"


async def test_switching_from_home_assistant(hass: HomeAssistant, insight: SimulatedWemo) -> None:
    await add(hass, insight)
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.dryer"}, blocking=True
    )
    assert insight.state == 1
    assert state(hass, "switch.dryer") == STATE_ON


async def test_light_switch_long_press_is_an_event(
    hass: HomeAssistant,
    hass_client: Any,
    no_multicast_responder: type[RecordingDiscoveryResponder],
    insight: SimulatedWemo,
) -> None:
    # Another WeMo is subscribed too: pywemo credits a long press by the sender's address, so
    # the switch has its own (as on a real network), a second loopback address.
    pytest_socket.socket_allow_hosts(["127.0.0.1", "127.0.0.2"])
    await add(hass, insight)
    async with SimulatedWemo("LightSwitch", serial="221617K0000001", host="127.0.0.2") as sim:
        sim.name = "Hall light"
        assert sim.rules_db is None  # a switch fresh from the box: no rules at all
        entry = (await add(hass, sim, host="127.0.0.2"))["result"]
        # Setup wrote the long-press rule naming pywemo's virtual device, and the SSDP
        # responder that lets the switch find that device runs on the callback port.
        assert sim.rules_stored == 1 and sim.rules_version == 1
        assert long_press_targets(sim.rules_db, sim.udn) == {VIRTUAL_DEVICE_UDN}
        assert no_multicast_responder.started == [entry.runtime_data.runtime.registry.port]
        assert state(hass, "event.hall_light_long_press") == "unknown"
        await sim.long_press()
        await until(lambda: state(hass, "event.hall_light_long_press") != "unknown")
        event = hass.states.get("event.hall_light_long_press")
        assert event.attributes["event_type"] == "long_press"
        assert sim.long_presses_sent == 1
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        assert diagnostics["device"]["long_press_rule"] == "set"
        # A reload finds the rule in place and stores nothing (the user's rules stay).
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert sim.rules_stored == 1
        assert long_press_targets(sim.rules_db, sim.udn) == {VIRTUAL_DEVICE_UDN}


async def test_light_switch_whose_rules_cannot_be_written(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    async with SimulatedWemo("LightSwitch", serial="221617K0000002") as sim:
        sim.name = "Porch light"
        sim.rules_broken = True  # FetchRules answers a SOAP fault
        entry = (await add(hass, sim))["result"]
        assert entry.state is config_entries.ConfigEntryState.LOADED
        assert "Could not write the long-press rule of Porch light" in caplog.text
        assert "Reload the entry to try again" in caplog.text
        assert entry.runtime_data.runtime.coordinator.long_press_rule.startswith("failed")
        # The switch itself still works, and no long press is sent without a rule.
        await sim.press(True)
        await until(lambda: state(hass, "switch.porch_light") == STATE_ON)
        await sim.long_press()
        assert sim.long_presses_sent == 0


@pytest.mark.time_sensitive
async def test_without_push_it_polls_and_explains_why(
    hass: HomeAssistant, insight: SimulatedWemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wemo_coordinator, "NO_PUSH_ISSUE_AFTER_S", 0)
    insight.accept_subscriptions = False  # as if it could not reach our callback port
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "wemo"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": insight.port}
    )
    entry = result["result"]
    await hass.async_block_till_done()
    insight.state = 1
    insight.load_w = 700
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state(hass, "switch.dryer") == STATE_ON
    assert state(hass, "sensor.dryer_power") == "700.0"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"wemo_no_push_{entry.entry_id}")
    assert issue is not None and issue.translation_key == "wemo_no_push"


@pytest.mark.time_sensitive
async def test_unplugged_is_unavailable_and_comes_back(
    hass: HomeAssistant,
    insight: SimulatedWemo,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pywemo retries a refused request for about a minute (gentle on the device's few
    # threads); the same path with its retries shortened keeps this test quick.
    monkeypatch.setattr(Session, "retries", urllib3.Retry(total=1, backoff_factor=0))
    monkeypatch.setattr(Action, "max_rediscovery_attempts", 1)
    insight.accept_subscriptions = False  # polling mode, so the poll notices the outage
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "wemo"}
    )
    await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": insight.port}
    )
    await hass.async_block_till_done()
    await insight.go_away()
    for _ in range(2):
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
        await hass.async_block_till_done(wait_background_tasks=True)
    assert state(hass, "switch.dryer") == STATE_UNAVAILABLE
    assert sum("did not answer" in r.getMessage() for r in caplog.records) == 1
    await insight.come_back()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state(hass, "switch.dryer") == STATE_OFF


async def test_errors_and_duplicates(hass: HomeAssistant, insight: SimulatedWemo) -> None:
    await add(hass, insight)
    result = await add(hass, insight)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    async with SimulatedWemo("Switch", serial="X1") as other:
        other.manufacturer = "Someone Else Ltd."
        result = await add(hass, other)
        assert result["errors"] == {"base": "not_a_wemo_device"}
        await other.go_away()
        result = await add(hass, other, port=other.port)
        assert result["errors"] == {"base": "cannot_connect"}


async def test_ssdp_discovery_offers_and_follows_the_device(
    hass: HomeAssistant, insight: SimulatedWemo
) -> None:
    def found(port: int) -> SsdpServiceInfo:
        return SsdpServiceInfo(
            ssdp_usn=f"{insight.udn}::urn:Belkin:service:basicevent:1",
            ssdp_st="urn:Belkin:service:basicevent:1",
            ssdp_location=f"http://127.0.0.1:{port}/setup.xml",
            upnp={
                "manufacturer": "Belkin International Inc.",
                "serialNumber": insight.serial,
                "friendlyName": "Dryer",
            },
        )

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_SSDP}, data=found(insight.port)
    )
    assert result["step_id"] == "wemo_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    # The WeMo restarted on another port: SSDP sees it there and the entry follows.
    async with SimulatedWemo("Insight", serial=insight.serial) as moved:
        moved.name = "Dryer"
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_SSDP}, data=found(moved.port)
        )
        assert result["reason"] == "already_configured"
        assert entry.data["port"] == moved.port
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.state is config_entries.ConfigEntryState.LOADED
        # Reloaded by its update listener: it now talks to the WeMo on its new port.
        assert entry.runtime_data.runtime.coordinator.device.port == moved.port
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def test_captured_soap_requests_get_the_captured_answers(insight: SimulatedWemo) -> None:
    """Replay the real Insight's SOAP requests against a simulator holding the same state: the
    answers carry the captured values."""
    import aiohttp

    def value(xml: str, tag: str) -> str | None:
        found = re.search(rf"<{tag}>([^<]*)</{tag}>", xml)
        return found[1] if found else None

    for name in ("Test_Insight.test_turn_on.yaml", "Test_Insight.test_insight_params.yaml"):
        capture = yaml.safe_load((captures_dir("wemo") / name).read_text())
        async with aiohttp.ClientSession() as session:
            for interaction in capture["interactions"]:
                request = interaction["request"]
                expected = interaction["response"]["body"]["string"]
                # The device's state at the time, as its own answer shows it.
                insight.frozen_params = value(expected, "InsightParams") or insight.frozen_params
                if insight.frozen_params is None:
                    insight.frozen_params = (
                        "8|1611530424|231|300|183183|1209600|8|1190|1164707|99830512.000000|8000"
                    )
                path = "/" + request["uri"].split("/", 3)[3]
                headers = {"SOAPACTION": request["headers"]["SOAPACTION"][0]}
                async with session.post(
                    f"http://127.0.0.1:{insight.port}{path}", data=request["body"], headers=headers
                ) as reply:
                    answer = await reply.text()
                for tag in ("BinaryState", "InsightParams"):
                    assert value(answer, tag) == value(expected, tag), (name, tag)


async def test_bad_pushes_and_broken_descriptions_never_crash(
    hass: HomeAssistant, insight: SimulatedWemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = await add(hass, insight)
    entry = result["result"]
    insight.load_w = 800
    await insight.press(True)
    await until(lambda: state(hass, "sensor.dryer_power") == "800.0")
    coordinator = entry.runtime_data.runtime.coordinator

    def handled() -> int:  # every push either applied or counted as malformed
        return coordinator.pushes + coordinator.problems.counts["malformed_event"]

    before = handled()
    await insight.notify("insight", {"InsightParams": "garbage|1|2"})
    await insight.notify("basicevent", {"BinaryState": "not-a-number"})
    await until(lambda: handled() >= before + 2)
    await hass.async_block_till_done()
    assert state(hass, "sensor.dryer_power") == "800.0"  # kept, not replaced by nonsense
    assert entry.state is config_entries.ConfigEntryState.LOADED
    # The device answers GetInsightParams with a SOAP fault and no longer describes the
    # service: setup is retried later, nothing raises.
    monkeypatch.setattr(Session, "retries", urllib3.Retry(total=0))
    monkeypatch.setattr(Action, "max_rediscovery_attempts", 1)
    monkeypatch.setattr(insight, "has_insight", False)  # GetInsightParams -> s:Fault
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is config_entries.ConfigEntryState.SETUP_RETRY


async def test_two_wemos_starting_together_share_one_push_server(hass: HomeAssistant) -> None:
    """At Home Assistant start both entries set up at once; only one callback server starts."""
    async with (
        SimulatedWemo("Switch", serial="TWIN0001") as first,
        SimulatedWemo("Switch", serial="TWIN0002") as second,
    ):
        entries = []
        for sim in (first, second):
            entry = MockConfigEntry(
                domain=DOMAIN,
                unique_id=sim.serial,
                title=sim.serial,
                data={"kind": "wemo", "host": "127.0.0.1", "port": sim.port},
            )
            entry.add_to_hass(hass)
            entries.append(entry)
        # As at Home Assistant's start: the integration is set up, and it sets up all its
        # entries at once (two async_setup calls racing for the integration would instead find
        # the second entry already being set up).
        assert await async_setup_component(hass, DOMAIN, {})
        await hass.async_block_till_done()
        assert [e.state for e in entries] == [config_entries.ConfigEntryState.LOADED] * 2
        registries = {e.runtime_data.runtime.registry for e in entries}
        assert len(registries) == 1
        assert registries.pop().users == 2
        # Two WeMos are two devices (Home Assistant merges devices that share a MAC).
        devices = {
            d.id
            for e in entries
            for d in dr.async_entries_for_config_entry(dr.async_get(hass), e.entry_id)
        }
        assert len(devices) == 2
        assert first.mac != second.mac
        for entry in entries:
            await hass.config_entries.async_unload(entry.entry_id)


async def test_options_move_the_push_port_of_every_wemo(
    hass: HomeAssistant, insight: SimulatedWemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pywemo reads the callback address from the environment: restore it after the test.
    monkeypatch.setenv("PYWEMO_CALLBACK_ADDRESS", "unset")
    monkeypatch.delenv("PYWEMO_CALLBACK_ADDRESS")
    async with SimulatedWemo("Switch", serial="221517K0109999") as lamp:
        lamp.name = "Lamp"
        entry = (await add(hass, insight))["result"]
        lamp_entry = (await add(hass, lamp))["result"]
        new_port = free_port()
        coordinators = [e.runtime_data.runtime.coordinator for e in (entry, lamp_entry)]
        pushes = [c.pushes for c in coordinators]
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert result["type"] is FlowResultType.FORM
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {"callback_port": new_port, "callback_address": " 127.0.0.1 ", "set_clock": False},
        )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        options = {"callback_port": new_port, "callback_address": "127.0.0.1"}
        # The push setting is shared: both entries carry it, and the one server moved, no
        # reload. Setting the clock stays the Insight's own choice.
        assert entry.options == {**options, "set_clock": False}
        assert lamp_entry.options == options
        assert entry.runtime_data.runtime.registry.port == new_port
        assert lamp_entry.runtime_data.runtime.registry is entry.runtime_data.runtime.registry
        for sim in (insight, lamp):
            await until(
                lambda sim=sim: any(
                    f"127.0.0.1:{new_port}/" in s.callback for s in sim.subscribers.values()
                )
            )
        # pywemo took the new subscriptions' initial NOTIFYs (it knows their SIDs now).
        await until(lambda: all(c.pushes > n for c, n in zip(coordinators, pushes, strict=True)))
        await insight.press(True)
        await lamp.press(True)
        await until(lambda: state(hass, "switch.dryer") == STATE_ON)
        await until(lambda: state(hass, "switch.lamp") == STATE_ON)


async def test_options_with_a_taken_port_keep_the_old_one(
    hass: HomeAssistant, insight: SimulatedWemo, caplog: pytest.LogCaptureFixture
) -> None:
    entry = (await add(hass, insight))["result"]
    old_port = entry.runtime_data.runtime.registry.port
    pushes = entry.runtime_data.runtime.coordinator.pushes
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        result = await hass.config_entries.options.async_init(entry.entry_id)
        await hass.config_entries.options.async_configure(
            result["flow_id"], {"callback_port": taken.getsockname()[1], "callback_address": ""}
        )
        await hass.async_block_till_done()
    assert "Cannot receive WeMo push updates on port" in caplog.text
    assert entry.runtime_data.runtime.registry.port == old_port
    await until(lambda: entry.runtime_data.runtime.coordinator.pushes > pushes)
    await insight.press(True)
    await until(lambda: state(hass, "switch.dryer") == STATE_ON)
