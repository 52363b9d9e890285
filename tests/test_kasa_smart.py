"""TP-Link's SMART plugs and strips (KP125M, EP25, Tapo P110/P115, P304M) through Home Assistant,
against a simulator that speaks SMART over KLAP and AES and answers like the recorded devices in
../shared/captures/kasa_smart: setup through the UI, the entities, an energy total that stays
exact across the plug's midnight and month-start resets, a glitched answer and a power cut, and
a clear message for firmware whose encryption nobody speaks yet."""

from __future__ import annotations

import datetime as dt

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from kasa import Credentials, Discover
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from devkit.simulators.clock import DeviceClock
from devkit.simulators.kasa_smart import SimulatedSmartDevice
from tests.kinds.kasa import poll, start_flow
from tests.kinds.kasa_smart import (
    ACCOUNT,
    MID_MONTH,
    add_plug,
    capture,
    every_capture,
    serve,
    state,
)
from tests.mosquitto import free_port

pytestmark = pytest.mark.usefixtures("socket_enabled")

# ----- the simulator against the captures -----------------------------------------------------


@pytest.mark.parametrize("model", every_capture())
async def test_python_kasa_reads_the_simulator_as_the_capture(
    monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    """python-kasa's own client (discovery, its transport, its modules) reads the values the
    recorded device answered: the simulator is trusted only because it agrees."""
    recorded = capture(model)
    clock = DeviceClock(true_now=lambda: MID_MONTH)
    sim = await serve(monkeypatch, SimulatedSmartDevice(recorded, **ACCOUNT, clock=clock))
    try:
        device = await Discover.discover_single(
            "127.0.0.1", credentials=Credentials(**ACCOUNT), discovery_timeout=2
        )
        assert device is not None
        scheme = recorded["discovery_result"]["result"]["mgt_encrypt_schm"]
        assert device.config.connection_type.encryption_type.value == scheme["encrypt_type"]
        await device.update()
        info = recorded["get_device_info"]
        assert device.model == info["model"]
        assert device.mac == info["mac"].replace("-", ":")
        assert device.hw_info["sw_ver"] == info["fw_ver"]
        if "child_devices" in recorded:
            listed = recorded["get_child_device_list"]["child_device_list"]
            assert len(device.children) == len(listed)
            assert [c.is_on for c in device.children] == [
                c["device_on"] for c in sorted(listed, key=lambda c: c["position"])
            ]
        else:
            assert device.is_on == info["device_on"]
            usage = recorded["get_energy_usage"]
            energy = device.modules["Energy"]
            assert energy.consumption_today == usage["today_energy"] / 1000
            assert energy.consumption_this_month == usage["month_energy"] / 1000
            if "get_emeter_data" in recorded:
                emeter = recorded["get_emeter_data"]
                assert energy.current_consumption == emeter["power_mw"] / 1000
                assert energy.voltage == emeter["voltage_mv"] / 1000
        await device.disconnect()
    finally:
        await sim.stop()


# ----- setup and entities ---------------------------------------------------------------------


async def test_a_kp125m_sets_up_through_the_ui_with_its_account(
    hass: HomeAssistant, hass_client, dryer: SimulatedSmartDevice
) -> None:
    result = await start_flow(hass, "kasa_manual")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": free_port()}
    )
    assert result["type"] is FlowResultType.FORM and result["step_id"] == "kasa_auth"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": ACCOUNT["username"], "password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.title == "Dryer"
    assert entry.unique_id == dryer.mac.lower()
    assert entry.data["connection"]["device_family"] == "SMART.KASAPLUG"
    assert entry.data["connection"]["encryption_type"] == "KLAP"
    assert entry.state is ConfigEntryState.LOADED
    assert state(hass, "sensor.dryer_power") == pytest.approx(2000.0)
    assert hass.states.get("switch.dryer").state == "on"
    # Voltage and current come with the KP125M's meter (disabled by default, as for the HS300).
    assert hass.states.get("sensor.dryer_voltage") is None
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"
    assert diagnostics["device"]["connection"]["device_family"] == "SMART.KASAPLUG"

    # Switching waits for the plug's confirmation and shows it at once.
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.dryer"}, blocking=True
    )
    assert hass.states.get("switch.dryer").state == "off"
    assert dryer.outlets[0].on is False
    await poll(hass)
    assert state(hass, "sensor.dryer_power") == 0.0

    # A changed password: the plug refuses the stored account, Home Assistant asks again.
    dryer.change_password("New-Horse-2")
    for _ in range(4):
        await poll(hass)
    flows = hass.config_entries.flow.async_progress_by_handler("lanmeter")
    assert any(flow["context"]["source"] == "reauth" for flow in flows)


async def test_a_tapo_p110_over_aes(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = SimulatedSmartDevice(capture("P110"), **ACCOUNT).name("Heater")
    assert sim.encryption == "AES"
    sim.outlets[0].on = True
    sim.model.set_load(0, 1234.5)
    await serve(monkeypatch, sim)
    try:
        entry = await add_plug(hass)
        assert entry.data["connection"]["encryption_type"] == "AES"
        assert state(hass, "sensor.heater_power") == pytest.approx(1234.5)
        sim.model.set_load(0, 800.0)
        await poll(hass)
        assert state(hass, "sensor.heater_power") == pytest.approx(800.0)
        assert hass.states.get("sensor.heater_energy_total") is not None
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_a_p304m_strip_gives_each_outlet_its_own_device(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = SimulatedSmartDevice(capture("P304M"), **ACCOUNT).name(
        "Desk strip", ["Monitor", "Printer", "Lamp", "Charger"]
    )
    for outlet in sim.outlets:
        outlet.on = True
    sim.model.set_load(1, 450.0)
    await serve(monkeypatch, sim)
    try:
        entry = await add_plug(hass)
        assert entry.title == "Desk strip"
        for name in ("monitor", "printer", "lamp", "charger"):
            assert hass.states.get(f"switch.{name}").state == "on"
            assert hass.states.get(f"sensor.{name}_energy_total") is not None
        assert state(hass, "sensor.printer_power") == pytest.approx(450.0)
        assert state(hass, "sensor.desk_strip_total_power") == pytest.approx(450.0)
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": "switch.printer"}, blocking=True
        )
        assert sim.outlets[1].on is False and sim.outlets[0].on is True
        await poll(hass)
        assert state(hass, "sensor.printer_power") == 0.0
    finally:
        await sim.stop()


async def test_firmware_with_an_encryption_nobody_speaks_gets_a_clear_message(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = SimulatedSmartDevice(capture("KP125M"), **ACCOUNT, encryption="TPAP")
    await serve(monkeypatch, sim)
    try:
        result = await start_flow(hass, "kasa_manual")
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"host": "127.0.0.1", "port": free_port()}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "kasa_new_encryption"}
        assert result["description_placeholders"]["model"] == "KP125M(US)"
        assert result["description_placeholders"]["encryption"] == "TPAP"
    finally:
        await sim.stop()


# ----- the energy total -------------------------------------------------------------------------

WH = 0.001  # the plug's resolution, in kWh


class Booked:
    """The plug's booked Energy total beside the energy that really went through it."""

    def __init__(self, hass: HomeAssistant, sim: SimulatedSmartDevice, entity_id: str) -> None:
        self.hass, self.outlet, self.entity_id = hass, sim.outlets[0], entity_id
        self.start = state(hass, entity_id)
        self.used_at_start = self.outlet.used_wh

    def assert_exact(self, resets: int = 0) -> None:
        """To the plug's whole Wh: each end rounds, and so does each count that started again."""
        truth = (self.outlet.used_wh - self.used_at_start) / 1000
        booked = state(self.hass, self.entity_id) - self.start
        assert booked == pytest.approx(truth, abs=(2 + resets) * WH), (booked, truth)


async def readings(hass: HomeAssistant, freezer, count: int, seconds: float = 30) -> None:
    for _ in range(count):
        freezer.tick(dt.timedelta(seconds=seconds))
        await poll(hass)


# 23:40 on New Year's Eve in Denver (the KP125M's zone): its midnight is also its month start
# and its year start; Home Assistant (US/Pacific in tests) is an hour behind.
@pytest.mark.freeze_time("2027-01-01 06:40:00+00:00", tick=True)
async def test_the_total_stays_exact_across_the_plugs_midnight_and_month_start(
    hass: HomeAssistant, freezer, dryer: SimulatedSmartDevice
) -> None:
    await add_plug(hass)
    booked = Booked(hass, dryer, "sensor.dryer_energy_total")
    await readings(hass, freezer, 60)  # 30 minutes: the plug's counts start again at 00:00
    assert dryer.model.wall().date() == dt.date(2027, 1, 1)
    assert dryer.model.month_wh(dryer.outlets[0]) < 1000  # its month count did start again
    booked.assert_exact(resets=1)
    ledger = hass.config_entries.async_entries("lanmeter")[0].runtime_data.runtime
    counts = ledger.coordinator.register_diagnostics()["outlets"][0]
    assert counts["resets"] == 1 and counts["glitches"] == 0


@pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True)
async def test_a_glitched_answer_and_a_power_cut_change_nothing(
    hass: HomeAssistant, freezer, dryer: SimulatedSmartDevice
) -> None:
    await add_plug(hass)
    booked = Booked(hass, dryer, "sensor.dryer_energy_total")
    await readings(hass, freezer, 2)
    dryer.model.faults.append("glitch")  # one answer with a month count far off
    await readings(hass, freezer, 4)
    booked.assert_exact()
    # The house loses power for ten minutes: the plug is unavailable, then back by itself.
    dryer.model.power_off()
    await readings(hass, freezer, 2)
    assert hass.states.get("sensor.dryer_power").state == "unavailable"
    freezer.tick(dt.timedelta(minutes=10))
    dryer.model.power_on()
    await readings(hass, freezer, 4)
    assert state(hass, "sensor.dryer_power") == pytest.approx(2000.0)
    booked.assert_exact()


@pytest.mark.parametrize("model", every_capture())
async def test_every_recorded_plug_and_strip_sets_up_through_the_ui(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch, model: str
) -> None:
    """Each model in the captures: the flow follows its discovery answer (KLAP or AES), and
    every outlet gets its switch, power and energy total, on the recorded device's state."""
    recorded = capture(model)
    sim = SimulatedSmartDevice(recorded, **ACCOUNT)
    await serve(monkeypatch, sim)
    try:
        entry = await add_plug(hass)
        scheme = recorded["discovery_result"]["result"]["mgt_encrypt_schm"]
        assert entry.data["connection"]["encryption_type"] == scheme["encrypt_type"]
        assert entry.unique_id == sim.mac.lower()
        from homeassistant.helpers import entity_registry as er

        # By unique id: the recorded outlets all carry the same (masked) name.
        entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        switches = [
            hass.states.get(e.entity_id) for e in entries if e.unique_id.endswith("_outlet")
        ]
        totals = [
            hass.states.get(e.entity_id) for e in entries if e.unique_id.endswith("_energy_total")
        ]
        assert len(switches) == len(sim.outlets) == len(totals)
        assert sorted(s.state for s in switches) == sorted(
            "on" if outlet.on else "off" for outlet in sim.outlets
        )
        assert all(float(s.state) >= 0 for s in totals)
    finally:
        await sim.stop()


@pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True)
async def test_a_restart_of_home_assistant_keeps_the_total(
    hass: HomeAssistant, freezer, dryer: SimulatedSmartDevice
) -> None:
    entry = await add_plug(hass)
    booked = Booked(hass, dryer, "sensor.dryer_energy_total")
    await readings(hass, freezer, 2)
    assert await hass.config_entries.async_unload(entry.entry_id)
    freezer.tick(dt.timedelta(minutes=20))  # Home Assistant away while the dryer runs
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await readings(hass, freezer, 3)
    booked.assert_exact()


async def test_scan_offers_smart_plugs_with_the_account_step(
    hass: HomeAssistant, dryer: SimulatedSmartDevice, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custom_components.lanmeter.kasa.config_flow import KasaFlowMixin

    monkeypatch.setattr(KasaFlowMixin, "kasa_scan_target", "127.0.0.1")
    monkeypatch.setattr(KasaFlowMixin, "kasa_scan_port", free_port())  # its port 9999: closed
    result = await start_flow(hass, "kasa_scan")
    options = result["data_schema"].schema["device"].config["options"]
    assert options == [{"value": "127.0.0.1", "label": "KP125M(US) (127.0.0.1) \N{KEY}"}]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"device": "127.0.0.1"}
    )
    assert result["step_id"] == "kasa_auth"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], ACCOUNT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Dryer"


async def test_a_plugs_wrong_clock_is_shown_and_set(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two hours fast (no NTP behind the firewall): the offset shows, and once the plug's
    history is in, LAN Meter sets its clock, in Home Assistant's zone."""
    clock = DeviceClock(error=dt.timedelta(hours=2))
    sim = SimulatedSmartDevice(capture("KP125M"), **ACCOUNT, clock=clock).name("Dryer")
    await serve(monkeypatch, sim)
    try:
        await add_plug(hass)
        assert state(hass, "sensor.dryer_clock_offset") == pytest.approx(7200, abs=5)
        for _ in range(3):
            await poll(hass)
        assert abs(clock.error.total_seconds()) < 5
        assert getattr(clock.zone, "key", None) == hass.config.time_zone
        assert abs(state(hass, "sensor.dryer_clock_offset")) < 5
    finally:
        await sim.stop()


async def test_the_cloud_connection_and_firmware_auto_update_show_on_the_device(
    hass: HomeAssistant, freezer, dryer: SimulatedSmartDevice
) -> None:
    """Behind the firewall the plug says it is not connected; when the wall breaks the sensor
    follows (read hourly, with the clock). Auto-update is the user's switch: it changes the
    plug's own setting, which a restart reads back."""
    dryer.model.cloud_status = 1  # not connected: the wall holds
    dryer.model.auto_update = True
    entry = await add_plug(hass)
    assert hass.states.get("binary_sensor.dryer_cloud_connection").state == "off"
    assert hass.states.get("switch.dryer_firmware_auto_update").state == "on"
    dryer.model.cloud_status = 0  # a route to the internet appeared
    freezer.tick(dt.timedelta(hours=1))
    await poll(hass)
    assert hass.states.get("binary_sensor.dryer_cloud_connection").state == "on"
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.dryer_firmware_auto_update"}, blocking=True
    )
    assert dryer.model.auto_update is False
    assert hass.states.get("switch.dryer_firmware_auto_update").state == "off"
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("switch.dryer_firmware_auto_update").state == "off"
