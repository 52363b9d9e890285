"""Benchmark: appliance events on labeled household traces, fed through Home Assistant.

Run by `scripts/bench home --trace` (pytest drives a real in-process Home Assistant with its
test harness, so a day of 5 s readings takes seconds instead of a day). Each trace
(devkit/home_traces.py, seeded) is set as the mains sensor's states, reading by reading, with
the reading's own timestamp; the home entry's `appliance_on` / `appliance_off` events are
scored against the known truth. The detector LAN Meter used before runs on the same traces as
the reference (side by side).

Options by environment: LANMETER_TRACE_SEEDS (default: ten seeds the detector was not tuned
on, 1000-1004 and 5000-5004), LANMETER_TRACE_HOURS (default 8).

Then the appliances in Other (`scripts/bench appliances`, which runs the learner's own code
without Home Assistant) once more through the home entry itself: LANMETER_HOUSEHOLDS (default
3000, never tuned on; 5 to 10 minutes each: two weeks of 5 s readings) each learn a week of
mains, every discovered item is named, and the next week's named appliances' events and energy
are scored against the truth.
"""

from __future__ import annotations

from collections.abc import Callable
import datetime as dt
import os
import statistics
from typing import Any

from homeassistant import config_entries
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.home import breakdown
from custom_components.lanmeter.home.breakdown import StepDetector, steps_match
from custom_components.lanmeter.home.const import NAMED_EVENT_TYPES, named_device_id
from devkit.home_traces import Detected, LegacyStepDetector, Score, Trace, make_trace, score
from devkit.household_weeks import f1, true_runs, week
from scripts.bench_appliances import TWO_STATE
from tests.kinds.home import add_home

WATTS = {"unit_of_measurement": "W", "device_class": "power"}
SEEDS = [
    int(s)
    for s in os.environ.get(
        "LANMETER_TRACE_SEEDS", "1000 1001 1002 1003 1004 5000 5001 5002 5003 5004"
    ).split()
]
HOURS = float(os.environ.get("LANMETER_TRACE_HOURS", "8"))
VARIANTS = {
    "5 s readings": (5.0, False, False),
    "10 s readings": (10.0, False, False),
    "5 s, fluctuating washer": (5.0, True, False),
    "5 s, lamps near the threshold": (5.0, False, True),
    "5 s, both": (5.0, True, True),
}  # interval, fluctuating washer, lamps near the threshold
DETECTORS = {
    "before (2 % band, 8 s hold)": LegacyStepDetector,
    "now (measured noise)": StepDetector,
}


async def run_through_home_assistant(hass: HomeAssistant, trace: Trace) -> list[Detected]:
    """Set up a home entry on sensor.mains, replay the trace, collect its appliance events."""
    first_time, first_watts = trace.readings[0]
    hass.states.async_set("sensor.mains", str(first_watts), WATTS, timestamp=first_time)
    entry = await add_home(hass, devices=[])  # the tests' user flow, no known devices
    found: list[Detected] = []
    now = {"t": first_time}

    def on_event(event: Event) -> None:
        new = event.data["new_state"]
        if event.data["entity_id"] != "event.home_appliance" or new is None:
            return
        if new.state in ("unknown", "unavailable"):
            return
        found.append(Detected(now["t"], float(new.attributes["step_w"])))

    unsubscribe = hass.bus.async_listen("state_changed", on_event)
    for t, watts in trace.readings[1:]:
        now["t"] = t
        hass.states.async_set("sensor.mains", str(watts), WATTS, timestamp=t)
        await hass.async_block_till_done()
    unsubscribe()
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    return found


def _line(name: str, result: Score) -> str:
    return (
        f"| {name} | {result.recall:.3f} | {result.precision:.3f} | "
        f"{result.median_latency:.1f} s | {result.latency(0.95):.1f} s | {result.truths} |"
    )


async def test_trace_benchmark(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = [
        f"Seeds {SEEDS}, {HOURS:g} h each, threshold 30 W. An event matches a true change when "
        "it has the same direction, comes after it (within 120 s) and its step is within "
        "max(30 W, 15 %) of the true size.",
        "",
        "| trace | detector | recall | precision | latency median | latency p95 | true changes |",
        "|---|---|---|---|---|---|---|",
    ]
    results: dict[tuple[str, str], Score] = {}
    for variant, (interval_s, washer, lamps) in VARIANTS.items():
        traces = [
            make_trace(
                seed,
                interval_s,
                HOURS,
                fluctuating_washer=washer,
                lamps_near_threshold=lamps,
            )
            for seed in SEEDS
        ]
        for detector, factory in DETECTORS.items():
            monkeypatch.setattr(breakdown, "StepDetector", factory)
            total = Score(0, 0, 0, [])
            for trace in traces:
                total = total + score(trace.truth, await run_through_home_assistant(hass, trace))
            results[variant, detector] = total
            lines.append(_line(f"{variant} | {detector}", total))
    with capsys.disabled():
        print("\n" + "\n".join(lines) + "\n")  # the benchmark's report
    # The benchmark runs (it is not a test of figures); it only checks it measured something.
    assert all(result.truths > 0 for result in results.values())


# ----- appliances in Other, through Home Assistant ---------------------------------------------

HOUSEHOLDS = [int(s) for s in os.environ.get("LANMETER_HOUSEHOLDS", "3000").split()]
WEEK_START = dt.datetime(2026, 11, 2, tzinfo=dt.UTC).timestamp()  # the home's clock at t = 0


async def replay(hass: HomeAssistant, freezer, trace: Trace, seen: Callable[[float], None]) -> None:
    """The trace as the mains sensor, Home Assistant's clock at each reading's time."""
    for t, watts in trace.readings:
        freezer.move_to(dt.datetime.fromtimestamp(WEEK_START + t, dt.UTC))
        seen(t)
        hass.states.async_set("sensor.mains", str(watts), WATTS)
        await hass.async_block_till_done()


async def household_through_home_assistant(
    hass: HomeAssistant, freezer, household: int
) -> dict[str, Any]:
    """A week of the household learned by the home entry; every appliance it offers named
    (after its key) through its discovered item; the next week's named events and energy
    against the truth. Each named appliance is labeled with the true appliance of its size."""
    first, second = week(household, 0), week(household, 7)
    now = {"t": 0.0}

    def at(t: float) -> None:
        now["t"] = t

    freezer.move_to(dt.datetime.fromtimestamp(WEEK_START, dt.UTC))
    hass.states.async_set("sensor.mains", str(first.readings[0][1]), WATTS)
    entry = await add_home(hass, devices=[])
    await replay(hass, freezer, first, at)
    offered = [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == config_entries.SOURCE_INTEGRATION_DISCOVERY
    ]
    for flow in offered:
        key = flow["context"]["unique_id"].removeprefix("home_appliance_")
        await hass.config_entries.flow.async_configure(flow["flow_id"], {"name": key})
        await hass.async_block_till_done()
    registry = er.async_get(hass)
    keys = {f["context"]["unique_id"].removeprefix("home_appliance_") for f in offered}
    by_event_entity = {
        e.entity_id: key
        for key in keys
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.domain == "event" and e.unique_id.startswith(named_device_id(key))
    }
    energy_entity = {
        key: e.entity_id
        for key in keys
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.entity_id.endswith("_energy_total") and e.unique_id.startswith(named_device_id(key))
    }
    found: dict[str, list[tuple[float, int]]] = {key: [] for key in keys}

    def on_event(event: Event) -> None:
        new = event.data["new_state"]
        key = by_event_entity.get(event.data["entity_id"])
        if key and new is not None and new.attributes.get("event_type") in NAMED_EVENT_TYPES:
            found[key].append((now["t"], 1 if new.attributes["event_type"] == "turned_on" else -1))

    unsubscribe = hass.bus.async_listen("state_changed", on_event)
    await replay(hass, freezer, second, at)
    unsubscribe()
    energy = {key: float(hass.states.get(energy_entity[key]).state) for key in keys}
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    truth = true_runs(second)
    size_of = {device: runs[0][2] for device, runs in truth.items()}
    sizes = {key: float(key.rsplit("_", 1)[1].removesuffix("w")) for key in keys}
    label = {
        key: min(
            (d for d in size_of if steps_match(size_of[d], watts)),
            key=lambda d: abs(size_of[d] - watts),
            default="none",
        )
        for key, watts in sizes.items()
    }
    results: dict[str, tuple[float, float]] = {}
    for device in TWO_STATE:
        mine = [k for k in keys if label[k] == device]
        events = [e for k in mine for e in found[k]]
        true = [(on, 1) for on, _, _ in truth.get(device, [])]
        true += [(off, -1) for _, off, _ in truth.get(device, [])]
        true_kwh = sum(w * (off - on) for on, off, w in truth.get(device, [])) / 3.6e6
        kwh = sum(energy[k] for k in mine)
        results[device] = (f1(events, true), abs(kwh - true_kwh) / true_kwh if true_kwh else 0.0)
    return {
        "results": results,
        "offered": len(keys),
        "false": sum(label[k] == "none" for k in keys),
    }


async def test_appliance_benchmark(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    freezer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The appliance learner's benchmark (scripts/bench appliances) again, through the home
    entry itself: its discovered items, its named appliances' event entities and energy."""
    per: dict[str, list[tuple[float, float]]] = {d: [] for d in TWO_STATE}
    offered, false = [], []
    for household in HOUSEHOLDS:
        outcome = await household_through_home_assistant(hass, freezer, household)
        for device, figures in outcome["results"].items():
            per[device].append(figures)
        offered.append(outcome["offered"])
        false.append(outcome["false"])
    lines = [
        f"Households {HOUSEHOLDS} through Home Assistant: a week learned, every discovered "
        "appliance named, the next week scored (an on or off within 30 s, same direction).",
        "",
        "| appliance | on/off F1 (median, worst) | energy per day error (median, worst) |",
        "|---|---|---|",
    ]
    for device, figures in per.items():
        f1s, errors = [f for f, _ in figures], [e for _, e in figures]
        lines.append(
            f"| {device} | {statistics.median(f1s):.2f}, {min(f1s):.2f} | "
            f"{statistics.median(errors):.0%}, {max(errors):.0%} |"
        )
    lines.append(f"offered per household-week: {offered}; no appliance among them: {false}")
    with capsys.disabled():
        print("\n" + "\n".join(lines) + "\n")
    assert all(offered)  # it measured something
