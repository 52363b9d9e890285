"""The home view through Home Assistant, driven by scripted power traces; and the Sense bridge."""

from __future__ import annotations

import asyncio
import json
import random
import socket
from typing import Any

from homeassistant import config_entries
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from kasa import Discover
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.home import sense_bridge
from custom_components.lanmeter.home.sense_bridge import MAX_PLUGS, mac_for
from devkit.simulators.kasa_device import decrypt, encrypt
from tests.kinds.home import WATTS, Trace, add_home
from tests.polling import until

# The query exactly as a Sense monitor sends it (protocols/sense.md), before the cipher.
SENSE_QUERY_BYTES = b'{"emeter":{"get_realtime":{}},"system":{"get_sysinfo":{}}}'


def number(hass: HomeAssistant, entity_id: str) -> float:
    return float(hass.states.get(entity_id).state)


@pytest.fixture
def events(hass: HomeAssistant) -> list[dict[str, Any]]:
    fired: list[dict[str, Any]] = []

    def listener(event: Event) -> None:
        if event.data["entity_id"] == "event.home_appliance" and event.data["new_state"]:
            state = event.data["new_state"]
            if state.state not in ("unknown", "unavailable"):
                fired.append(dict(state.attributes))

    hass.bus.async_listen("state_changed", listener)
    return fired


@pytest.mark.time_sensitive
async def test_breakdown_and_appliance_events_from_a_scripted_evening(
    hass: HomeAssistant, freezer, events: list[dict[str, Any]]
) -> None:
    trace = Trace(hass, freezer)
    await trace.at(0, mains=150, kettle_power=0, fridge_power=0)
    entry = await add_home(hass)
    assert entry.unique_id == "home"
    # The fridge cycles on (it has a plug: a known device).
    await trace.at(5, fridge_power=120)
    await trace.at(1, mains=270)
    await trace.at(10, mains=272)
    assert events[-1]["event_type"] == "appliance_on"
    assert events[-1]["device"] == "sensor.fridge_power"
    assert events[-1]["step_w"] == pytest.approx(121, abs=2)
    # An oven (no plug) turns on while the fridge runs: unknown.
    await trace.at(60, mains=2672)
    await trace.at(10, mains=2668)
    assert events[-1]["event_type"] == "appliance_on"
    assert events[-1]["device"] == "unknown"
    assert number(hass, "sensor.home_home_power") == 2668
    assert number(hass, "sensor.home_known_devices_power") == 120
    # Always On needs an hour of history: unknown until then, so Other is home - tracked.
    assert hass.states.get("sensor.home_always_on").state == "unknown"  # learning, not broken
    assert number(hass, "sensor.home_other_power") == pytest.approx(2668 - 120)
    # The oven turns off 30 minutes later: paired with its step up, with on-time and energy.
    await trace.at(1800, mains=270)
    await trace.at(10, mains=271)
    off = events[-1]
    assert off["event_type"] == "appliance_off"
    assert off["on_time_s"] == pytest.approx(1810, abs=15)
    assert off["energy_wh"] == pytest.approx(2400 * 1810 / 3600, rel=0.03)
    # Noise never makes an event.
    count = len(events)
    for value in (265, 280, 268, 275, 262):
        await trace.at(5, mains=value)
    assert len(events) == count


@pytest.mark.time_sensitive
async def test_always_on_and_other_after_an_hour_of_history(hass: HomeAssistant, freezer) -> None:
    trace = Trace(hass, freezer)
    await trace.at(0, mains=150, kettle_power=0, fridge_power=0)
    await add_home(hass)
    for minute in range(75):
        await trace.at(60, mains=150 + (minute % 3))
    await trace.at(60, mains=2150, kettle_power=2000)
    assert number(hass, "sensor.home_always_on") == 150
    assert number(hass, "sensor.home_other_power") == 0
    await trace.at(60, mains=2450)
    assert number(hass, "sensor.home_other_power") == 300
    # The history survives a restart.
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert number(hass, "sensor.home_always_on") == 150


@pytest.mark.time_sensitive
async def test_kilowatts_and_unavailable_inputs(hass: HomeAssistant, freezer) -> None:
    hass.states.async_set("sensor.mains", "1.5", {"unit_of_measurement": "kW"})
    hass.states.async_set("sensor.kettle_power", "unavailable", WATTS)
    hass.states.async_set("sensor.fridge_power", "100", WATTS)
    await add_home(hass)
    assert number(hass, "sensor.home_home_power") == 1500
    assert number(hass, "sensor.home_known_devices_power") == 100  # not 100 + "0"
    other = hass.states.get("sensor.home_other_power")
    assert other.attributes["unavailable_inputs"] == ["sensor.kettle_power"]

    hass.states.async_set("sensor.fridge_power", "120", WATTS)
    await hass.async_block_till_done()
    assert number(hass, "sensor.home_known_devices_power") == 120
    # The kettle comes back at 0 W: no value changes, but the attribute must be written.
    hass.states.async_set("sensor.kettle_power", "0", WATTS)
    await hass.async_block_till_done()
    assert number(hass, "sensor.home_known_devices_power") == 120
    other = hass.states.get("sensor.home_other_power")
    assert other.attributes["unavailable_inputs"] == []


async def test_default_devices_are_every_lanmeter_outlet_including_later_ones(
    hass: HomeAssistant, socket_enabled
) -> None:
    from devkit.simulators.kasa_device import SimulatedKasaDevice
    from tests.kinds.kasa import add_strip

    hass.states.async_set("sensor.mains", "500", WATTS)
    entry = await add_home(hass, devices=[])
    device = entry.runtime_data.runtime
    assert device.coordinator.devices == []
    async with SimulatedKasaDevice.hs300(mac="50:C7:BF:AA:BB:01") as strip:
        strip.outlets[0].on = True
        strip.set_load(0, 100.0)
        await add_strip(hass, strip)
        await hass.async_block_till_done()
        assert len(device.coordinator.devices) == 6
        assert "sensor.outlet_1_power" in device.coordinator.devices
        assert number(hass, "sensor.home_known_devices_power") == 100
        # Their share sensors are added too (disabled by default, as at setup).
        registry = er.async_get(hass)
        shares = [
            e
            for e in er.async_entries_for_config_entry(registry, entry.entry_id)
            if e.unique_id.startswith("home_share_")
        ]
        assert len(shares) == 6
        assert all(e.disabled_by is er.RegistryEntryDisabler.INTEGRATION for e in shares)


class SenseClock:
    """The bridge's rate limit reads time.monotonic(); tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def advance(self, seconds: float = 1.0) -> None:
        self.now += seconds


@pytest.fixture
def sense_clock(monkeypatch: pytest.MonkeyPatch) -> SenseClock:
    clock = SenseClock()
    monkeypatch.setattr(sense_bridge, "time", clock)
    return clock


async def test_sense_bridge_answers_like_hs110_plugs(
    hass: HomeAssistant, socket_enabled, monkeypatch, sense_clock: SenseClock
) -> None:
    port = free_udp_port()
    hass.states.async_set("sensor.mains", "2300", WATTS)
    hass.states.async_set("sensor.kettle_power", "2000", WATTS | {"friendly_name": "Kettle"})
    hass.states.async_set("sensor.fridge_power", "120", WATTS | {"friendly_name": "Fridge"})
    await add_home(hass, emulate_sense=True, sense_port=port)

    answers = await udp_exchange(hass, port, encrypt(SENSE_QUERY_BYTES))
    plugs = {a["system"]["get_sysinfo"]["alias"]: a for a in answers}
    assert set(plugs) == {"Kettle", "Fridge"}
    kettle = plugs["Kettle"]
    assert kettle["emeter"]["get_realtime"]["power"] == 2000
    assert kettle["emeter"]["get_realtime"]["err_code"] == 0
    sysinfo = kettle["system"]["get_sysinfo"]
    assert sysinfo["model"] == "HS110(US)"
    assert sysinfo["mac"] == mac_for("sensor.kettle_power")  # stable: derived from the entity
    assert sysinfo["mac"] != plugs["Fridge"]["system"]["get_sysinfo"]["mac"]

    # python-kasa's own discovery sees a real HS110.
    sense_clock.advance()
    device = await Discover.discover_single("127.0.0.1", port=port, discovery_timeout=2, timeout=2)
    assert device.model == "HS110"
    assert device.alias in ("Kettle", "Fridge")
    await device.disconnect()

    # Answers (non-empty realtime) and write requests get no reply: read-only, no loops.
    sense_clock.advance()
    assert await udp_exchange(hass, port, encrypt(json.dumps(kettle).encode())) == []
    switch = {"system": {"set_relay_state": {"state": 0}, "get_sysinfo": {}}}
    assert await udp_exchange(hass, port, encrypt(json.dumps(switch).encode())) == []
    assert await udp_exchange(hass, port, b"\x00garbage") == []
    assert hass.states.get("sensor.kettle_power").state == "2000"


async def test_sense_bridge_serves_at_most_the_plug_limit(
    hass: HomeAssistant, socket_enabled, monkeypatch
) -> None:
    port = free_udp_port()
    hass.states.async_set("sensor.mains", "3000", WATTS)
    names = [f"sensor.plug_{n}_power" for n in range(MAX_PLUGS + 5)]
    for name in names:
        hass.states.async_set(name, "10", WATTS)
    await add_home(hass, devices=names, emulate_sense=True, sense_port=port)
    answers = await udp_exchange(hass, port, encrypt(SENSE_QUERY_BYTES))
    assert len(answers) == MAX_PLUGS


async def test_sense_port_in_use_is_a_repair_issue_not_a_failure(
    hass: HomeAssistant, socket_enabled, monkeypatch
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        hass.states.async_set("sensor.mains", "100", WATTS)
        entry = await add_home(hass, emulate_sense=True, sense_port=port)
        assert entry.state is config_entries.ConfigEntryState.LOADED
        issue = ir.async_get(hass).async_get_issue(DOMAIN, f"sense_port_{entry.entry_id}")
        assert issue is not None and issue.translation_key == "sense_port_busy"
    assert number(hass, "sensor.home_home_power") == 100


async def test_only_one_home(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.mains", "100", WATTS)
    await add_home(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "home"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_change_the_sensors(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.mains", "100", WATTS)
    hass.states.async_set("sensor.other_mains", "700", WATTS)
    entry = await add_home(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "mains": "sensor.other_mains",
            "devices": [],
            "step_threshold": 50,
            "emulate_sense": False,
            "sense_port": 9999,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert number(hass, "sensor.home_home_power") == 700


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sense_bridge_of(hass: HomeAssistant) -> sense_bridge.SenseBridge:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return entry.runtime_data.runtime.bridge


def bridge_counts(bridge: sense_bridge.SenseBridge) -> tuple[int, int]:
    """(datagrams the bridge has taken, answers it has sent)."""
    return bridge.queries + bridge.ignored + bridge.refused, bridge.answers


async def until_all_answered(
    bridge: sense_bridge.SenseBridge, before: tuple[int, int], sent: int, received
) -> None:
    """A UDP peer: wait until the bridge has taken every datagram sent since `before` and each
    answer it sent has arrived (`received()` counts them), instead of guessing a time."""

    def all_answered() -> bool:
        taken, answers = bridge_counts(bridge)
        return taken >= before[0] + sent and received() >= answers - before[1]

    await until(all_answered)


async def udp_exchange(hass: HomeAssistant, port: int, datagram: bytes) -> list[dict[str, Any]]:
    """Send one datagram as Sense would; collect the unicast answers."""
    loop = asyncio.get_running_loop()
    answers: list[dict[str, Any]] = []

    class Collector(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr) -> None:
            answers.append(json.loads(decrypt(data)))

    transport, _ = await loop.create_datagram_endpoint(Collector, local_addr=("127.0.0.1", 0))
    bridge = sense_bridge_of(hass)
    before = bridge_counts(bridge)
    try:
        transport.sendto(datagram, ("127.0.0.1", port))
        await until_all_answered(bridge, before, 1, lambda: len(answers))
    finally:
        transport.close()
    return answers


async def udp_burst(
    hass: HomeAssistant, port: int, datagram: bytes, sources: list[str], repeats: int = 1
) -> dict[str, int]:
    """Send the datagram `repeats` times from each source address (loopback aliases); count the
    answers each source gets."""
    loop = asyncio.get_running_loop()
    counts = dict.fromkeys(sources, 0)
    transports = []

    class Counter(asyncio.DatagramProtocol):
        def __init__(self, source: str) -> None:
            self.source = source

        def datagram_received(self, data: bytes, addr) -> None:
            counts[self.source] += 1

    for source in sources:
        transport, _ = await loop.create_datagram_endpoint(
            lambda source=source: Counter(source), local_addr=(source, 0)
        )
        transports.append(transport)
    bridge = sense_bridge_of(hass)
    before = bridge_counts(bridge)
    try:
        for _ in range(repeats):
            for transport in transports:
                transport.sendto(datagram, ("127.0.0.1", port))
        await until_all_answered(
            bridge, before, repeats * len(sources), lambda: sum(counts.values())
        )
    finally:
        for transport in transports:
            transport.close()
    return counts


async def home_with_bridge(hass: HomeAssistant, monkeypatch, **options: Any):
    port = free_udp_port()
    hass.states.async_set("sensor.mains", "2300", WATTS)
    hass.states.async_set("sensor.kettle_power", "2000", WATTS)
    hass.states.async_set("sensor.fridge_power", "120", WATTS)
    entry = await add_home(hass, emulate_sense=True, sense_port=port, **options)
    return entry, port


async def test_sense_bridge_answers_a_source_at_most_once_a_second(
    hass: HomeAssistant, socket_enabled, monkeypatch, sense_clock: SenseClock
) -> None:
    """A 29-byte query makes 2 answers here (20 with 20 plugs): a flood of queries from one
    address gets one round a second, not one per query."""
    entry, port = await home_with_bridge(hass, monkeypatch)
    query = encrypt(SENSE_QUERY_BYTES)
    assert await udp_burst(hass, port, query, ["127.0.0.1"], repeats=10) == {"127.0.0.1": 2}
    sense_clock.advance(0.5)
    assert await udp_burst(hass, port, query, ["127.0.0.1"], repeats=3) == {"127.0.0.1": 0}
    sense_clock.advance(0.6)  # Sense asks every ~2 s: it is always answered
    assert await udp_burst(hass, port, query, ["127.0.0.1"], repeats=3) == {"127.0.0.1": 2}
    bridge = entry.runtime_data.runtime.bridge
    assert bridge.queries == 2
    assert bridge.refused == 14


async def test_sense_bridge_caps_all_sources_together(
    hass: HomeAssistant, socket_enabled, monkeypatch, sense_clock: SenseClock
) -> None:
    """Spoofed sources cannot multiply the output: at most GLOBAL_ROUNDS_PER_S rounds a second."""
    _entry, port = await home_with_bridge(hass, monkeypatch)
    sources = [f"127.0.0.{n}" for n in range(2, 2 + sense_bridge.GLOBAL_ROUNDS_PER_S + 5)]
    counts = await udp_burst(hass, port, encrypt(SENSE_QUERY_BYTES), sources)
    assert sum(counts.values()) == 2 * sense_bridge.GLOBAL_ROUNDS_PER_S
    sense_clock.advance()
    counts = await udp_burst(hass, port, encrypt(SENSE_QUERY_BYTES), sources[-5:])
    assert counts == dict.fromkeys(sources[-5:], 2)


async def test_sense_bridge_answers_only_the_named_monitors_and_again_after_a_reload(
    hass: HomeAssistant, socket_enabled, monkeypatch, sense_clock: SenseClock
) -> None:
    entry, port = await home_with_bridge(hass, monkeypatch, sense_monitors="192.0.2.40")
    query = encrypt(SENSE_QUERY_BYTES)
    assert await udp_burst(hass, port, query, ["127.0.0.1"]) == {"127.0.0.1": 0}

    # Every options change reloads the entry: the bridge must bind its port again at once.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**entry.options, "sense_monitors": "192.0.2.40, 127.0.0.1"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["sense_monitors"] == ["192.0.2.40", "127.0.0.1"]
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"sense_port_{entry.entry_id}") is None
    sense_clock.advance()
    assert await udp_burst(hass, port, query, ["127.0.0.1", "127.0.0.3"]) == {
        "127.0.0.1": 2,
        "127.0.0.3": 0,
    }
    # Reload twice more in a row: still answering, never "address in use".
    for _ in range(2):
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        sense_clock.advance()
        assert await udp_burst(hass, port, query, ["127.0.0.1"]) == {"127.0.0.1": 2}
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"sense_port_{entry.entry_id}") is None


async def test_sense_monitor_addresses_are_checked_in_the_form(hass: HomeAssistant) -> None:
    hass.states.async_set("sensor.mains", "100", WATTS)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "home"}
    )
    answers = {
        "mains": "sensor.mains",
        "devices": [],
        "step_threshold": 30,
        "emulate_sense": False,  # the addresses are checked whether the bridge is on or not
        "sense_port": 9999,
        "sense_monitors": "192.168.1.40, sense.local",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"sense_monitors": "invalid_sense_monitor"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], answers | {"sense_monitors": " 192.168.1.40 ,"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"]["sense_monitors"] == ["192.168.1.40"]


@pytest.mark.parametrize("source", ["255.255.255.255", "224.0.0.251", "0.0.0.0", "not-an-ip"])
def test_broadcast_and_multicast_sources_are_never_answered(source: str) -> None:
    """A datagram cannot come from a broadcast or multicast address: such a source is spoofed
    (loopback cannot send one, so this is checked on the rule itself)."""
    assert not sense_bridge.answerable_source(source, frozenset())
    assert sense_bridge.answerable_source("192.168.1.40", frozenset())
    assert not sense_bridge.answerable_source("192.168.1.41", frozenset({"192.168.1.40"}))


async def settle_noisy_level(trace: Trace, level: float, readings: int = 24) -> None:
    """A noisy house at `level` W (1 % + 3 W), one reading every 5 s."""
    rng = random.Random(level)
    for _ in range(readings):
        await trace.at(5, mains=round(level + rng.gauss(0, 0.01 * level + 3), 1))


@pytest.mark.time_sensitive
async def test_a_step_at_two_kilowatts_is_reported_within_three_readings(
    hass: HomeAssistant, freezer, events: list[dict[str, Any]]
) -> None:
    """At 2 kW the noise is ~23 W: a 250 W appliance turning on is reported within 15 s, with
    its size, not 40-110 s later (the old fixed band restarted its hold on every noisy read)."""
    trace = Trace(hass, freezer)
    await trace.at(0, mains=2000, kettle_power=0, fridge_power=0)
    await add_home(hass)
    await settle_noisy_level(trace, 2000)
    assert events == []  # noise alone never makes an event
    rng = random.Random(7)
    reported_after = None
    for reading in range(1, 7):
        await trace.at(5, mains=round(2250 + rng.gauss(0, 25.5), 1))
        if events and reported_after is None:
            reported_after = reading
    assert reported_after is not None and reported_after <= 3
    assert len(events) == 1
    assert events[0]["event_type"] == "appliance_on"
    assert events[0]["step_w"] == pytest.approx(250, abs=37.5)


@pytest.mark.time_sensitive
async def test_spikes_make_no_event_and_close_steps_make_two(
    hass: HomeAssistant, freezer, events: list[dict[str, Any]]
) -> None:
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, kettle_power=0, fridge_power=0)
    await add_home(hass)
    await settle_noisy_level(trace, 300)
    # A motor's inrush: one reading at 900 W, then back to the level. Nothing happened.
    await trace.at(5, mains=900)
    await settle_noisy_level(trace, 300, readings=4)
    assert events == []
    # An inrush, then the motor runs at 150 W: one event of the running size, not the spike.
    await trace.at(5, mains=750)
    await settle_noisy_level(trace, 450, readings=6)
    assert [e["event_type"] for e in events] == ["appliance_on"]
    assert events[0]["step_w"] == pytest.approx(150, abs=30)
    events.clear()
    # A kettle, then a toaster one reading later: two events.
    await trace.at(5, mains=2450)
    await trace.at(5, mains=3350)
    await settle_noisy_level(trace, 3350, readings=4)
    assert [(e["event_type"], round(e["step_w"], -2)) for e in events] == [
        ("appliance_on", 2000),
        ("appliance_on", 900),
    ]


@pytest.mark.time_sensitive
async def test_a_level_held_at_exactly_the_same_watts_still_confirms_the_step(
    hass: HomeAssistant, freezer, events: list[dict[str, Any]]
) -> None:
    """A meter reading 2300 W exactly, again and again, after a step: Home Assistant writes each
    as a report, not a change, and each is still a reading that confirms the step."""
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, kettle_power=0, fridge_power=0)
    await add_home(hass)
    for _ in range(24):  # two minutes of an exactly steady base load
        await trace.at(5, mains=300)
    assert events == []
    for _ in range(24):  # the kettle: the same 2300 W for two minutes
        await trace.at(5, mains=2300)
    assert [e["event_type"] for e in events] == ["appliance_on"]
    assert events[0]["step_w"] == pytest.approx(2000, abs=50)
