"""Benchmark: appliance cycles (cycle_started / cycle_finished) on appliance-shaped traces.

Each trace (devkit/appliance_traces.py: washer with soaks and spin, dishwasher with heat phases
and drying, dryer with cool-down, kettle; each with a plain and a creeping standby; and days of
standby alone with odd single readings) runs reading by reading through LAN Meter's
CycleTracker (custom_components/lanmeter/cycles.py), the code the integration runs, without
Home Assistant. Reference, on the same traces: the template sensor people write by hand,
"running while above 5 W, finished when it drops below".

Measured per appliance: finished after the true end (median and worst; the goal is the quiet
period plus one reading), finishes inside a pause (a cycle reported twice or early), cycles
missed, and false cycles on standby alone. Seeds: 1000-1019, never used while tuning (tests use
100-109).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import statistics

from custom_components.lanmeter.cycles import FINISHED, QUIET_S, STARTED, CycleTracker
from devkit.appliance_traces import SHAPES, ApplianceTrace, make_trace, standby_only

type Detector = Callable[[ApplianceTrace], list[tuple[str, float]]]


def lan_meter(trace: ApplianceTrace) -> list[tuple[str, float]]:
    tracker = CycleTracker()
    return [
        (event.event_type, at)
        for at, watts in trace.readings
        for event in tracker.add(watts, at, QUIET_S)
    ]


def template_sensor(trace: ApplianceTrace) -> list[tuple[str, float]]:
    """The hand-written reference: above 5 W is running, the first reading below is finished."""
    events, running = [], False
    for at, watts in trace.readings:
        if not running and watts > 5:
            running = True
            events.append((STARTED, at))
        elif running and watts <= 5:
            running = False
            events.append((FINISHED, at))
    return events


def score(traces: list[ApplianceTrace], detector: Detector) -> dict[str, float]:
    late, early, missed = [], 0, 0
    for trace in traces:
        finishes = [at for kind, at in detector(trace) if kind == FINISHED]
        for cycle in trace.cycles:
            inside = [at for at in finishes if cycle.start_s <= at < cycle.end_s]
            early += len(inside)
            after = [at for at in finishes if at >= cycle.end_s]
            if after:
                late.append(after[0] - cycle.end_s)
            else:
                missed += 1
    return {
        "finished_after_end_median_s": statistics.median(late) if late else float("nan"),
        "finished_after_end_max_s": max(late) if late else float("nan"),
        "finishes_inside_a_cycle": early,
        "cycles": sum(len(t.cycles) for t in traces),
        "missed": missed,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench cycles", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1000, 1020)))
    parser.add_argument(
        "--interval", type=float, default=5.0, help="seconds between readings (a Kasa: 5)"
    )
    args = parser.parse_args(argv)
    print("| appliance | detector | finished after the end, median / worst | finishes inside a "
          "cycle | missed |")  # fmt: skip
    print("|---|---|---|---|---|")
    for name in SHAPES:
        traces = [
            make_trace(name, seed, creep=creep, interval_s=args.interval)
            for seed in args.seeds
            for creep in (False, True)
        ]
        for label, detector in (("LAN Meter", lan_meter), ("template", template_sensor)):
            result = score(traces, detector)
            print(
                f"| {name} ({result['cycles']:.0f} cycles) | {label} | "
                f"{result['finished_after_end_median_s']:.0f} s / "
                f"{result['finished_after_end_max_s']:.0f} s | "
                f"{result['finishes_inside_a_cycle']:.0f} | {result['missed']:.0f} |"
            )
    days = 0.0
    false = {"LAN Meter": 0, "template": 0}
    for seed in args.seeds:
        trace = standby_only(seed, interval_s=args.interval)
        days += len(trace.readings) * trace.interval_s / 86_400
        false["LAN Meter"] += sum(1 for kind, _ in lan_meter(trace) if kind == STARTED)
        false["template"] += sum(1 for kind, _ in template_sensor(trace) if kind == STARTED)
    print(
        f"\nStandby alone, {days:.0f} days with single odd readings: false cycles "
        f"LAN Meter {false['LAN Meter']}, template {false['template']}"
    )
