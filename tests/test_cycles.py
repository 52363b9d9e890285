"""Appliance cycles: "the washing machine has finished", once and on time, with no template.

The tracker (cycles.py) on appliance-shaped traces (devkit/appliance_traces.py, seeds 100-109:
the benchmark scores 1000-1019), then a washer with soaks on a simulated Kasa outlet through Home
Assistant: Running, the Cycle event, its device trigger, its quiet-period setting and a restart
in the middle of a cycle."""

from __future__ import annotations

from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_get_device_automations

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.cycles import FINISHED, QUIET_S, STARTED, CycleTracker
from custom_components.lanmeter.stored import StoredRecordError
from devkit.appliance_traces import SHAPES, ApplianceTrace, make_trace, standby_only
from devkit.simulators.kasa_device import SimulatedKasaDevice
from tests.kinds.cycles import POLL, WASHER, cycle_events, run_for
from tests.kinds.kasa import add_strip

SEEDS = range(100, 110)
pytestmark = [  # the Kasa tests' (the tracker's ignore them)
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True),
]


def run(trace: ApplianceTrace, tracker: CycleTracker | None = None) -> list[tuple[str, float]]:
    tracker = tracker or CycleTracker()
    return [
        (event.event_type, at)
        for at, watts in trace.readings
        for event in tracker.add(watts, at, QUIET_S)
    ]


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize("creep", [False, True], ids=["standby", "creeping standby"])
def test_each_cycle_finishes_once_after_its_quiet_period(name: str, creep: bool) -> None:
    for seed in SEEDS:
        trace = make_trace(name, seed, creep=creep)
        events = run(trace)
        assert [kind for kind, _ in events] == [STARTED, FINISHED] * len(trace.cycles), seed
        finishes = [at for kind, at in events if kind == FINISHED]
        for cycle, finished in zip(trace.cycles, finishes, strict=True):
            # Never inside a pause; at most the quiet period plus one reading after the end.
            assert cycle.end_s <= finished <= cycle.end_s + QUIET_S + trace.interval_s, seed


def test_standby_noise_and_single_odd_readings_are_no_cycle() -> None:
    for seed in SEEDS:
        assert run(standby_only(seed)) == [], seed


def test_duration_and_energy_of_a_steady_load() -> None:
    tracker = CycleTracker()
    events = []
    for second in range(0, 3600, 10):
        watts = 2000.0 if 600 <= second < 1200 else 0.5  # ten minutes at 2 kW
        events += tracker.add(watts, float(second))
    (started, finished) = events
    assert started.event_type == STARTED
    assert finished.attributes["duration_s"] == pytest.approx(590, abs=10)
    assert finished.attributes["energy_kwh"] == pytest.approx(2000 * 600 / 3600 / 1000, rel=0.02)


def test_a_sensor_read_once_a_minute_does_not_finish_in_a_four_minute_soak() -> None:
    """Its last running reading and its next one are 5 minutes apart around a 4-minute soak:
    the quiet period counts from the first reading that saw it low, so the washer runs on."""
    tracker = CycleTracker()
    levels = [0.5] * 10 + [400.0] * 10 + [2.0] * 4 + [400.0] * 10 + [0.5] * 10  # one a minute
    events = [
        (event.event_type, minute)
        for minute, watts in enumerate(levels)
        for event in tracker.add(watts, minute * 60.0)
    ]
    assert events == [(STARTED, 11), (FINISHED, 39)]  # 5 minutes after its first low reading


def test_a_tracker_stored_before_it_kept_its_quiet_start_still_loads() -> None:
    tracker = CycleTracker()
    for second in range(0, 600, 10):
        tracker.add(2000.0 if second >= 300 else 0.5, float(second))
    old = tracker.as_dict()
    del old["quiet_since"]
    assert CycleTracker.from_dict(old).running


def test_a_tracker_is_stored_and_a_broken_record_is_refused() -> None:
    trace = make_trace("washer", 100, cycles=1)
    middle = len(trace.readings) // 2
    tracker = CycleTracker()
    for at, watts in trace.readings[:middle]:
        tracker.add(watts, at)
    copy = CycleTracker.from_dict(tracker.as_dict())
    for at, watts in trace.readings[middle:]:
        assert tracker.add(watts, at) == copy.add(watts, at)
    broken = tracker.as_dict() | {"standby_w": "a lot"}
    with pytest.raises(StoredRecordError):
        CycleTracker.from_dict(broken)
    with pytest.raises(StoredRecordError):
        CycleTracker.from_dict(tracker.as_dict() | {"counts": {"cycles": -1}})


# ----- through Home Assistant, on a Kasa outlet ---------------------------------------------------


async def test_a_washer_with_soaks_finishes_once_on_time_and_survives_a_restart(
    hass: HomeAssistant, freezer, washer_strip: SimulatedKasaDevice
) -> None:
    entry = await add_strip(hass, washer_strip)
    fired = cycle_events(hass)
    await run_for(hass, freezer, 5)  # standby is learned
    assert hass.states.get("binary_sensor.washer_running").state == "off"
    assert hass.states.get("number.washer_cycle_quiet_period").state == "5.0"
    for index, (minutes, watts) in enumerate(WASHER):
        washer_strip.set_load(4, watts)
        if index == 2:  # a restart in the first soak: the cycle goes on
            assert await hass.config_entries.async_reload(entry.entry_id)
            await hass.async_block_till_done()
        await run_for(hass, freezer, minutes)
        assert hass.states.get("binary_sensor.washer_running").state == "on", index
    washer_strip.set_load(4, 0.5)
    await run_for(hass, freezer, 4.5)
    assert [e["event_type"] for e in fired] == ["cycle_started"]  # the soaks finished nothing
    await run_for(hass, freezer, 1)
    assert [e["event_type"] for e in fired] == ["cycle_started", "cycle_finished"]
    finished = fired[1]
    assert hass.states.get("binary_sensor.washer_running").state == "off"
    run_minutes = sum(minutes for minutes, _ in WASHER)
    assert finished["duration_s"] == pytest.approx(run_minutes * 60, abs=2 * POLL.seconds)
    truth_kwh = sum(minutes / 60 * watts for minutes, watts in WASHER) / 1000
    assert finished["energy_kwh"] == pytest.approx(truth_kwh, rel=0.05)
    await run_for(hass, freezer, 30)
    assert len(fired) == 2  # standby after the end is no new cycle

    # The outlet's device offers the cycle as device triggers, in words.
    device_id = er.async_get(hass).async_get("event.washer_cycle").device_id
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device_id)
    assert {t["type"] for t in triggers if t["domain"] == DOMAIN} == {
        "cycle_started",
        "cycle_finished",
    }


async def test_a_longer_quiet_period_covers_a_longer_soak(
    hass: HomeAssistant, freezer, washer_strip: SimulatedKasaDevice
) -> None:
    await add_strip(hass, washer_strip)
    fired = cycle_events(hass)
    await hass.services.async_call(
        "number",
        "set_value",
        {"entity_id": "number.washer_cycle_quiet_period", "value": 20},
        blocking=True,
    )
    await run_for(hass, freezer, 5)
    for minutes, watts in [(5, 2000.0), (15, 2.0), (5, 400.0)]:  # a 15-minute soak
        washer_strip.set_load(4, watts)
        await run_for(hass, freezer, minutes)
    assert [e["event_type"] for e in fired] == ["cycle_started"]
    washer_strip.set_load(4, 0.5)
    await run_for(hass, freezer, 21)
    assert [e["event_type"] for e in fired] == ["cycle_started", "cycle_finished"]
