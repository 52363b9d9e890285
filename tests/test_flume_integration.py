"""Flume through Home Assistant: a simulated bridge publishing encrypted MQTT to real Mosquitto."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from freezegun import freeze_time
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.flume_bridge import (
    BURST_PIPE,
    RUNNING_TOILET,
    TAP,
    SimulatedFlumeBridge,
)
from tests.kinds.flume import (
    KEY,
    NAME,
    add_calibrated,
    add_flume,
    configure,
    publish,
    state,
    water_events,
)
from tests.mosquitto import running_broker
from tests.polling import until

# The test moves Home Assistant's clock as the bridge publishes; it also ticks on by itself,
# so the event loop's own waits (which read the same clock) still end.
pytestmark = [
    pytest.mark.usefixtures("short_listen"),
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.freeze_time(tick=True),
]


async def test_flow_learns_the_ids_and_sensors_follow_the_water(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> None:
    entry = await add_flume(hass, bridge)
    assert entry.unique_id == bridge.sensor_id
    assert entry.data["device_key"] == KEY.hex()
    await publish(hass, bridge.hello)
    await publish(hass, bridge.water, TAP)
    assert state(hass, "battery") == "92"  # 3252 mV
    assert state(hass, "sensor_signal") == "-79"
    # 6 L/min for 90 s = 9 L at 0.1 L per pulse (uncalibrated default) vs the true 0.0757.
    pulses = bridge.counter
    assert float(state(hass, "water_total")) == pytest.approx(pulses * 0.1, abs=0.01)
    assert float(state(hass, "flow_rate")) == 0  # the tap was closed two minutes ago
    assert state(hass, "leak", "binary_sensor") == "off"
    assert state(hass, "bridge", "binary_sensor") == "on"


async def test_calibration_learns_the_volume_per_pulse(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> None:
    entry = await add_flume(hass, bridge)
    await publish(hass, bridge.water, [(60, 0.0)])
    await hass.services.async_call(
        DOMAIN,
        "calibrate_flume",
        {"config_entry_id": entry.entry_id, "step": "start"},
        blocking=True,
    )
    await publish(hass, bridge.water, [(100, 6.0)])  # exactly 10 L from a bucket
    result = await hass.services.async_call(
        DOMAIN,
        "calibrate_flume",
        {"config_entry_id": entry.entry_id, "step": "stop", "volume_l": 10},
        blocking=True,
        return_response=True,
    )
    assert result["liters_per_pulse"] == pytest.approx(bridge.liters_per_pulse, rel=0.02)
    assert entry.options["liters_per_pulse"] == result["liters_per_pulse"]
    await publish(hass, bridge.water, [(60, 12.0)])
    assert float(state(hass, "flow_rate")) == pytest.approx(12.0, rel=0.1)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "calibrate_flume",
            {"config_entry_id": entry.entry_id, "step": "stop"},
            blocking=True,
        )


async def test_us_customary_users_get_gallons(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> None:
    hass.config.units = US_CUSTOMARY_SYSTEM
    await add_calibrated(hass, bridge)
    await publish(hass, bridge.water, [(60, 37.854)])  # 10 gal/min
    flow = hass.states.get(f"sensor.{NAME}_flow_rate")
    assert flow.attributes["unit_of_measurement"] == "gal/min"
    assert float(flow.state) == pytest.approx(10, rel=0.1)
    assert hass.states.get(f"sensor.{NAME}_water_total").attributes["unit_of_measurement"] == "gal"


@pytest.mark.time_sensitive
async def test_running_toilet_is_a_leak_that_clears_itself(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> None:
    await add_calibrated(hass, bridge)
    fired = water_events(hass)
    await publish(hass, bridge.water, RUNNING_TOILET)  # 0.4 L/min for three hours
    assert state(hass, "leak", "binary_sensor") == "on"
    assert float(state(hass, "flow_rate")) == pytest.approx(0.4, rel=0.25)
    await publish(hass, bridge.water, [(300, 0.0)])
    assert state(hass, "leak", "binary_sensor") == "off"
    assert fired == ["leak_started", "leak_cleared"]


async def test_burst_pipe_is_high_flow(hass: HomeAssistant, bridge: SimulatedFlumeBridge) -> None:
    await add_calibrated(hass, bridge)
    await publish(hass, bridge.water, BURST_PIPE)
    assert state(hass, "high_flow", "binary_sensor") == "on"
    assert float(state(hass, "flow_rate")) == pytest.approx(40, rel=0.1)


async def test_bad_payloads_are_counted_and_never_move_totals_back(
    hass: HomeAssistant, hass_client, bridge: SimulatedFlumeBridge
) -> None:
    entry = await add_flume(hass, bridge)
    await publish(hass, bridge.water, [(300, 6.0)])
    before = float(state(hass, "water_total"))

    def garbage() -> None:
        bridge.publish(1, bridge.sensor_id, None, raw=b"\x00not encrypted or json")
        bridge.publish(1, bridge.sensor_id, {"not": "a list"})
        bridge.publish(1, bridge.sensor_id, [{"timestamp": bridge.now - 3600, "value": 1}])
        other = SimulatedFlumeBridge(bridge.port, bytes(32))  # another key
        other.client = bridge.client
        other.publish(1, bridge.sensor_id, [{"timestamp": bridge.now + 5, "value": 10**9}])

    await publish(hass, garbage)
    assert float(state(hass, "water_total")) == before
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    ignored = diagnostics["device"]["ignored"]
    assert ignored["undecryptable"] == 2
    assert ignored["wrong_shape"] == 1
    assert ignored["out_of_order"] == 1
    assert diagnostics["entry"]["data"]["device_key"] == "**REDACTED**"
    assert KEY.hex() not in str(diagnostics)


@pytest.mark.time_sensitive
async def test_no_volume_lost_across_a_restart_and_a_broker_restart(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> None:
    entry = await add_flume(hass, bridge)
    await publish(hass, bridge.water, [(300, 6.0)])
    before = float(state(hass, "water_total"))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert float(state(hass, "water_total")) == before  # restored, not unknown
    await publish(hass, bridge.water, [(60, 6.0)])
    assert float(state(hass, "water_total")) > before


async def test_reconnects_and_resubscribes_after_a_broker_restart(
    hass: HomeAssistant,
    tmp_path,
    ticking: Callable[[float], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The broker goes away: logged once, the bridge's connectivity is off at once; it comes
    back: logged once, and the bridge is connected again with its next message."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with running_broker(tmp_path / "a") as port:
        sim = SimulatedFlumeBridge(port, KEY, advance=ticking)
        await asyncio.to_thread(sim.connect)
        entry = await add_flume(hass, sim)
        await publish(hass, sim.water, [(300, 6.0)])
        before = float(state(hass, "water_total"))
        assert state(hass, "bridge", "binary_sensor") == "on"
        await asyncio.to_thread(sim.close)
    connection = entry.runtime_data.runtime.mqtt
    await until(lambda: not connection.connected)  # paho notices on its own thread
    await hass.async_block_till_done()
    assert state(hass, "bridge", "binary_sensor") == "off"
    # While it is away, paho retries (1 s, then 2 s): count its attempts at the port, with no
    # log line for each.
    attempts = 0

    def refuse(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal attempts
        attempts += 1
        writer.close()

    stand_in = await asyncio.start_server(refuse, "127.0.0.1", port)
    async with stand_in:
        await until(lambda: attempts >= 2, seconds=20)
    with running_broker(tmp_path / "b", port=port):  # same address, fresh broker
        sim.client = SimulatedFlumeBridge(port, KEY).client
        await asyncio.to_thread(sim.connect)
        await until(lambda: connection.connects >= 2, seconds=20)  # paho's backoff
        await publish(hass, sim.water, [(300, 6.0)])
        assert float(state(hass, "water_total")) > before
        assert state(hass, "bridge", "binary_sensor") == "on"
        await asyncio.to_thread(sim.close)
    lines = [r.getMessage() for r in caplog.records if "MQTT broker" in r.getMessage()]
    assert len([line for line in lines if "went away" in line]) == 1, lines
    assert len([line for line in lines if "is back" in line]) == 1, lines


@pytest.mark.time_sensitive
async def test_silent_bridge_is_disconnected(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> None:
    await add_flume(hass, bridge)
    await publish(hass, bridge.water, [(60, 0.0)])
    assert state(hass, "bridge", "binary_sensor") == "on"
    later = dt_util.utcnow() + timedelta(seconds=200)
    with freeze_time(later):  # 200 s without a message
        async_fire_time_changed(hass, later, fire_all=True)
        await hass.async_block_till_done()
    assert state(hass, "bridge", "binary_sensor") == "off"
    assert state(hass, "water_total") != "unavailable"  # the total is still known


async def test_wrong_key_and_silence_are_explained(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> None:
    result = await configure(hass, bridge.port, "00" * 32, bridge.hello)
    assert result["errors"] == {"base": "invalid_key"}
    result = await configure(hass, bridge.port, KEY.hex(), None)
    assert result["errors"] == {"base": "no_messages"}
    result = await configure(hass, bridge.port, "xyz", None)
    assert result["errors"] == {"device_key": "invalid_key_format"}


async def test_plaintext_bridge_needs_no_key(hass: HomeAssistant, mqtt_broker: int) -> None:
    sim = SimulatedFlumeBridge(mqtt_broker, None)
    await asyncio.to_thread(sim.connect)
    try:
        result = await configure(hass, mqtt_broker, None, sim.hello)
        assert result["type"] is FlowResultType.CREATE_ENTRY
    finally:
        await asyncio.to_thread(sim.close)


async def test_broker_errors(hass: HomeAssistant, tmp_path) -> None:
    with running_broker(tmp_path, users={"flume": "right"}) as port:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_USER}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "flume"}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "host": "127.0.0.1",
                "port": port,
                "username": "flume",
                "password": "no",
                "tls": False,
            },
        )
        assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": port, "tls": False}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_two_bridges_are_two_devices(
    hass: HomeAssistant, tmp_path, ticking: Callable[[float], None]
) -> None:
    """Each simulated bridge has its own sensor and bridge ids: two entries, two devices."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with running_broker(tmp_path / "a") as port_a, running_broker(tmp_path / "b") as port_b:
        sims = [
            SimulatedFlumeBridge(port_a, KEY, advance=ticking),
            SimulatedFlumeBridge(
                port_b,
                KEY,
                sensor_id="4B1D7E55F1A3C0DF",
                bridge_id="B41D6E0000C0FFEF",
                advance=ticking,
            ),
        ]
        try:
            entries = []
            for sim in sims:
                await asyncio.to_thread(sim.connect)
                entries.append(await add_flume(hass, sim))
            assert {e.unique_id for e in entries} == {s.sensor_id for s in sims}
            registry = dr.async_get(hass)
            devices = {
                d.id
                for e in entries
                for d in dr.async_entries_for_config_entry(registry, e.entry_id)
            }
            assert len(devices) == 2
        finally:
            for sim in sims:
                await asyncio.to_thread(sim.close)
