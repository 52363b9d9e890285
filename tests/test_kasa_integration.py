"""Kasa strips through Home Assistant as a user meets them: flow, entry, entities, actions."""

from __future__ import annotations

from datetime import timedelta
import logging

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.kasa import client as kasa_client
from custom_components.lanmeter.kasa import const as kasa_const
from custom_components.lanmeter.kasa.config_flow import KasaFlowMixin
from custom_components.lanmeter.kasa.poll_clock import poll_clock
from devkit.simulators.kasa_device import SimulatedKasaDevice
from tests.conftest import captures_dir
from tests.kinds.kasa import (
    MAC,
    UNIQUE_ID,
    add_strip,
    entity_id,
    poll,
    reconfigure,
    start_flow,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


@pytest.fixture(autouse=True)
def quick_klap_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    """When port 9999 is closed the flow asks by discovery whether the device speaks KLAP
    (to an unused port here, see conftest): wait 1 s for an answer, not 3."""
    monkeypatch.setattr(kasa_const, "DISCOVERY_TIMEOUT_S", 1)


@pytest.mark.time_sensitive
async def test_add_strip_creates_devices_and_entities(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    entry = await add_strip(hass, strip)
    assert entry.title == "Kitchen strip"
    assert entry.unique_id == UNIQUE_ID
    assert entry.data == {"kind": "kasa", "host": "127.0.0.1", "port": strip.port}
    assert entry.state is ConfigEntryState.LOADED

    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert sorted(d.name for d in devices) == sorted(
        ["Kitchen strip", "Kettle", "Toaster", "Fridge", "Microwave", "Radio", "Lamp"]
    )
    strip_device = next(d for d in devices if d.name == "Kitchen strip")
    assert strip_device.model == "HS300(US)"
    assert all(d.via_device_id == strip_device.id for d in devices if d is not strip_device)

    kettle = hass.states.get("switch.kettle")
    assert kettle.state == STATE_ON
    assert float(hass.states.get("sensor.kettle_power").state) == pytest.approx(1500, abs=0.01)
    assert hass.states.get("sensor.kettle_power").attributes["unit_of_measurement"] == "W"
    assert hass.states.get("switch.toaster").state == STATE_OFF
    assert float(hass.states.get("sensor.toaster_power").state) == 0
    total = hass.states.get("sensor.kitchen_strip_total_power")
    assert float(total.state) == pytest.approx(1500, abs=0.01)
    energy = hass.states.get("sensor.kettle_energy_total")
    assert energy.attributes["state_class"] == "total_increasing"
    assert energy.attributes["device_class"] == "energy"
    assert hass.states.get("sensor.kettle_energy_today").attributes["unit_of_measurement"] == "kWh"
    assert hass.states.get("switch.kitchen_strip_led").state == STATE_ON
    # Noisy or diagnostic entities are created disabled.
    registry = er.async_get(hass)
    assert registry.async_get(entity_id(hass, "0_voltage", "sensor")).disabled_by is not None
    assert registry.async_get(entity_id(hass, "rssi", "sensor")).entity_category == "diagnostic"


async def test_power_follows_the_load_at_every_poll(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    await add_strip(hass, strip)
    strip.set_load(0, 2000.0)
    await poll(hass)
    assert float(hass.states.get("sensor.kettle_power").state) == pytest.approx(2000, abs=0.01)


async def test_unchanged_values_are_not_rewritten(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    """A poll that changes only the kettle's power writes only the power states."""
    await add_strip(hass, strip)
    switch_before = hass.states.get("switch.kettle")
    power_before = hass.states.get("sensor.kettle_power")
    strip.set_load(0, 1234.0)
    await poll(hass)
    assert hass.states.get("switch.kettle").last_reported == switch_before.last_reported
    assert hass.states.get("sensor.kettle_power").last_updated > power_before.last_updated


async def test_off_outlets_are_not_metered_at_every_poll(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    """An outlet whose relay is off draws 0 W: after the first reading it costs no request."""
    await add_strip(hass, strip)
    strip.requests.clear()
    await poll(hass)
    metered = [r["context"]["child_ids"][0] for r in strip.requests if "emeter" in r]
    assert metered == [strip.child_ids[0]]  # only the kettle is on
    assert hass.states.get("sensor.toaster_power").state == "0.0"
    strip.outlets[1].on = True
    strip.set_load(1, 800.0)
    await poll(hass)
    assert float(hass.states.get("sensor.toaster_power").state) == pytest.approx(800, abs=0.01)


async def test_toggle_is_reflected_at_once_and_reaches_the_relay(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    await add_strip(hass, strip)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.kettle"}, blocking=True
    )
    # No poll timer has fired: the state comes from the strip's confirmation.
    assert hass.states.get("switch.kettle").state == STATE_OFF
    assert strip.outlets[0].on is False
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.toaster"}, blocking=True
    )
    assert hass.states.get("switch.toaster").state == STATE_ON
    assert strip.outlets[1].on is True
    relay_requests = [r for r in strip.requests if "set_relay_state" in r.get("system", {})]
    assert relay_requests[0]["context"] == {"child_ids": [strip.child_ids[0]]}
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.kitchen_strip_led"}, blocking=True
    )
    assert strip.sysinfo["led_off"] == 1
    assert hass.states.get("switch.kitchen_strip_led").state == STATE_OFF


async def test_strip_that_goes_away_is_unavailable_logged_once_and_recovers(
    hass: HomeAssistant, strip: SimulatedKasaDevice, caplog: pytest.LogCaptureFixture
) -> None:
    await add_strip(hass, strip)
    caplog.set_level(logging.INFO)
    strip.silent = True
    # One failed poll (two 2 s tries) is enough: unavailable within two poll intervals.
    await poll(hass)
    assert hass.states.get("switch.kettle").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.kettle_power").state == STATE_UNAVAILABLE
    await poll(hass)
    unreachable = [r for r in caplog.records if "did not answer" in r.getMessage()]
    assert len(unreachable) == 1, [r.getMessage() for r in caplog.records]
    strip.silent = False
    await poll(hass)
    assert hass.states.get("switch.kettle").state == STATE_ON
    assert any("recovered" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("fault", ["bad_json", "short_frame", "err_code"])
async def test_garbled_answers_never_become_values(
    hass: HomeAssistant, strip: SimulatedKasaDevice, fault: str
) -> None:
    entry = await add_strip(hass, strip)
    before = hass.states.get("sensor.kettle_energy_total").state
    # Every answer of the next poll (including the retry) is broken.
    strip.faults = [fault] * 4
    await poll(hass)
    power = hass.states.get("sensor.kettle_power").state
    assert power in (STATE_UNAVAILABLE, "1500.0")
    assert entry.state is ConfigEntryState.LOADED
    strip.faults = []
    await poll(hass)
    assert float(hass.states.get("sensor.kettle_power").state) == pytest.approx(1500, abs=0.01)
    assert float(hass.states.get("sensor.kettle_energy_total").state) >= float(before)


async def test_one_bad_meter_answer_blanks_only_that_outlet(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    await add_strip(hass, strip)
    # Answer 1 is sysinfo; answer 2 is outlet 1's meter: make only that one an error.
    strip.faults = [None, "err_code"]  # type: ignore[list-item]
    await poll(hass)
    assert hass.states.get("sensor.kettle_power").state == STATE_UNAVAILABLE
    assert hass.states.get("switch.kettle").state == STATE_ON
    assert hass.states.get("sensor.toaster_power").state == "0.0"
    assert hass.states.get("sensor.kitchen_strip_total_power").state == STATE_UNAVAILABLE


async def test_second_add_of_the_same_strip_aborts(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    await add_strip(hass, strip)
    result = await start_flow(hass, "kasa_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": strip.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_cannot_connect_is_a_form_error(hass: HomeAssistant) -> None:
    sim = SimulatedKasaDevice.hs300()
    await sim.start()
    port = sim.port
    await sim.stop()  # nothing listens there now
    result = await start_flow(hass, "kasa_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": port}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_an_unexpected_error_is_unknown_and_logged_with_its_traceback(
    hass: HomeAssistant,
    strip: SimulatedKasaDevice,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug (not a device's answer) while connecting: the form says "unknown", the log has
    the traceback, and the flow can be tried again."""

    async def broken(self: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(kasa_client.KasaStripClient, "identify", broken)
    result = await start_flow(hass, "kasa_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": strip.port}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    (logged,) = [r for r in caplog.records if "Unexpected error" in r.getMessage()]
    assert logged.exc_info is not None and "a bug" in str(logged.exc_info[1])


async def test_a_bulb_is_unsupported(hass: HomeAssistant) -> None:
    sim = SimulatedKasaDevice.hs300()
    sim.sysinfo["mic_type"] = "IOT.SMARTBULB"
    async with sim:
        result = await start_flow(hass, "kasa_manual")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": "127.0.0.1", "port": sim.port}
        )
    assert result["errors"] == {"base": "unsupported_device"}


async def test_scan_lists_strips_found_by_discovery(
    hass: HomeAssistant, strip: SimulatedKasaDevice, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A broadcast cannot reach a simulator on 127.0.0.1; send the same query there instead.
    monkeypatch.setattr(KasaFlowMixin, "kasa_scan_target", "127.0.0.1")
    monkeypatch.setattr(KasaFlowMixin, "kasa_scan_port", strip.port)
    monkeypatch.setattr(kasa_const, "DISCOVERY_TIMEOUT_S", 1)
    result = await start_flow(hass, "kasa_scan")
    assert result["type"] is FlowResultType.FORM
    options = result["data_schema"].schema["device"].config["options"]
    assert options == [{"value": "127.0.0.1", "label": "Kitchen strip (HS300(US), 127.0.0.1)"}]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"device": "127.0.0.1"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == UNIQUE_ID
    await hass.async_block_till_done()
    # Scanning again finds nothing new.
    result = await start_flow(hass, "kasa_scan")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "kasa_none_found"


async def test_dhcp_keeps_the_address_current(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=UNIQUE_ID,
        title="Kitchen strip",
        data={"kind": "kasa", "host": "127.0.0.2", "port": strip.port},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_DHCP},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="hs300", macaddress="50c7bfaabb01"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == "127.0.0.1"


@pytest.mark.time_sensitive
async def test_strips_of_one_interval_are_polled_together(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    """One shared clock per interval: both strips are asked in the same round (their requests
    interleave, so Home Assistant handles the answers in the same loop iterations)."""
    async with SimulatedKasaDevice.hs300(mac="50:C7:BF:AA:BB:02") as second:
        first_entry = await add_strip(hass, strip)
        second_entry = await add_strip(hass, second)
        # Two strips are two strips (and 12 outlets) in Home Assistant, never merged.
        registry = dr.async_get(hass)
        devices = [
            d.id
            for e in (first_entry, second_entry)
            for d in dr.async_entries_for_config_entry(registry, e.entry_id)
        ]
        assert len(set(devices)) == len(devices) == 14
        clock = poll_clock(hass)
        coordinators = [
            e.runtime_data.runtime.coordinator for e in hass.config_entries.async_entries(DOMAIN)
        ]
        assert {clock.interval_of(c) for c in coordinators} == {timedelta(seconds=5)}
        before = (len(strip.requests), len(second.requests))
        await poll(hass)
        assert len(strip.requests) > before[0] and len(second.requests) > before[1]
        # A strip moved to 30 s leaves the 5 s round.
        hass.config_entries.async_update_entry(first_entry, options={"scan_interval": 30})
        await hass.async_block_till_done()
        before = (len(strip.requests), len(second.requests))
        await poll(hass)
        assert len(strip.requests) == before[0] and len(second.requests) > before[1]
        # Unloading the last strip of an interval stops its timer.
        await hass.config_entries.async_unload(first_entry.entry_id)
        assert clock.interval_of(coordinators[0]) is None
        assert clock.intervals == {timedelta(seconds=5)}


async def test_options_change_the_poll_interval_without_reload(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    entry = await add_strip(hass, strip)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"scan_interval": 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    clock = poll_clock(hass)
    assert clock.interval_of(entry.runtime_data.runtime.coordinator) == timedelta(seconds=30)
    strip.set_load(0, 900.0)
    await poll(hass, 6)
    assert float(hass.states.get("sensor.kettle_power").state) == pytest.approx(1500, abs=0.01)
    await poll(hass, 31)
    assert float(hass.states.get("sensor.kettle_power").state) == pytest.approx(900, abs=0.01)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData, match="scan_interval"):
        await hass.config_entries.options.async_configure(result["flow_id"], {"scan_interval": 1})


async def test_reconfigure_to_a_new_address_of_the_same_strip(
    hass: HomeAssistant, strip: SimulatedKasaDevice
) -> None:
    entry = await add_strip(hass, strip)
    async with SimulatedKasaDevice.hs300(mac="50:C7:BF:00:00:99") as other:
        result = await reconfigure(hass, entry)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": "127.0.0.1", "port": other.port}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "kasa_wrong_device"
    # The same strip (same MAC) now answers at another address: the entry follows it.
    async with SimulatedKasaDevice.hs300(mac=strip.mac) as moved:
        moved.outlets[0].on = False  # tells the two strips apart
        result = await reconfigure(hass, entry)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": "127.0.0.1", "port": moved.port}
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        await hass.async_block_till_done()
        assert entry.data["port"] == moved.port
        assert hass.states.get("switch.kettle").state == STATE_OFF


async def test_diagnostics_redact_identifiers(
    hass: HomeAssistant, strip: SimulatedKasaDevice, hass_client
) -> None:
    entry = await add_strip(hass, strip)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    assert MAC not in text and MAC.lower() not in text
    assert strip.sysinfo["deviceId"] not in text
    assert diagnostics["device"]["sysinfo"]["model"] == "HS300(US)"
    assert diagnostics["device"]["stats"]["requests"] > 0
    assert diagnostics["entry"]["kind"] == "kasa"


@pytest.mark.parametrize(
    ("capture", "switches", "sensors"),
    [
        ("KP303(US)_2.0_1.0.9.json", 3, 0),
        ("HS107(US)_1.0_1.0.8.json", 2, 0),
        ("HS110(US)_1.0_1.2.6.json", 1, 5),
        ("KP115(US)_1.0_1.0.21.json", 1, 5),
    ],
)
@pytest.mark.time_sensitive
async def test_other_models(hass: HomeAssistant, capture: str, switches: int, sensors: int) -> None:
    """Strips without a meter get switches only; single plugs keep everything on one device."""
    async with SimulatedKasaDevice.from_capture(captures_dir("kasa") / capture, mac=MAC) as sim:
        entry = await add_strip(hass, sim)
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        outlet_switches = [
            e for e in entities if e.domain == "switch" and e.translation_key != "led"
        ]
        meter_sensors = [
            e
            for e in entities
            if e.domain == "sensor" and e.translation_key not in ("rssi", "clock_offset")
        ]
        assert len(outlet_switches) == switches
        assert len(meter_sensors) == sensors
        # Every model shows its clock's offset (the simulator's clock is right: about 0 s).
        (clock,) = [e for e in entities if e.translation_key == "clock_offset"]
        assert abs(float(hass.states.get(clock.entity_id).state)) <= 2
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        assert len(devices) == (1 if switches == 1 else switches + 1)
        await hass.config_entries.async_unload(entry.entry_id)


async def test_another_device_at_the_strips_address_is_refused_not_mixed_in(
    hass: HomeAssistant, strip: SimulatedKasaDevice, caplog: pytest.LogCaptureFixture
) -> None:
    """The router gave the strip's address to another device (here a plug with one outlet):
    polls fail with a clear message and a repair issue, no IndexError, and the plug's energy
    never reaches the strip's totals."""
    entry = await add_strip(hass, strip)
    caplog.set_level(logging.INFO)
    before = hass.states.get("sensor.kettle_energy_total").state
    port = strip.port
    await strip.stop()
    plug = SimulatedKasaDevice.from_capture(
        captures_dir("kasa") / "HS110(US)_1.0_1.2.6.json", mac="50:C7:BF:00:00:77", port=port
    )
    plug.outlets[0].on = True
    plug.outlets[0].total_wh = 9_000_000.0
    async with plug:
        for _ in range(3):
            await poll(hass)
        assert hass.states.get("switch.kettle").state == STATE_UNAVAILABLE
        assert hass.states.get("sensor.kettle_energy_total").state == STATE_UNAVAILABLE
        issue = ir.async_get(hass).async_get_issue(DOMAIN, f"kasa_other_device_{entry.entry_id}")
        assert issue is not None and issue.translation_key == "kasa_other_device"
        assert issue.translation_placeholders["found"] == "50:c7:bf:00:00:77"
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "IndexError" in m or "Traceback" in m]
    assert len([m for m in messages if "different device answers" in m]) == 1
    strip.port = port
    async with strip:
        await poll(hass)
        assert hass.states.get("switch.kettle").state == STATE_ON
        assert hass.states.get("sensor.kettle_energy_total").state == before
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"kasa_other_device_{entry.entry_id}") is None
