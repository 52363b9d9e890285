"""Benchmark: appliance events on labeled household traces, fed through Home Assistant.

Run by `scripts/bench home --trace` (pytest drives a real in-process Home Assistant with its
test harness, so a day of 5 s readings takes seconds instead of a day). Each trace
(devkit/home_traces.py, seeded) is set as the mains sensor's states, reading by reading, with
the reading's own timestamp; the home entry's `appliance_on` / `appliance_off` events are
scored against the known truth. The detector LAN Meter used before runs on the same traces as
the reference (side by side).

Options by environment: LANMETER_TRACE_SEEDS (default: ten seeds the detector was not tuned
on, 1000-1004 and 5000-5004), LANMETER_TRACE_HOURS (default 8).
"""

from __future__ import annotations

import os

from homeassistant.core import Event, HomeAssistant
import pytest

from custom_components.lanmeter.home import breakdown
from custom_components.lanmeter.home.breakdown import StepDetector
from devkit.home_traces import Detected, LegacyStepDetector, Score, Trace, make_trace, score
from tests.test_home_integration import add_home

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
