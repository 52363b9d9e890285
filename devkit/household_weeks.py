"""Weeks of one household's mains power (devkit/home_traces.py days with the same appliances)
and what the appliance learner needs from them: the home view's paired on/off runs, the true
runs, and scoring. Shared by the appliance benchmark and its tests."""

from __future__ import annotations

from dataclasses import dataclass

from custom_components.lanmeter.home.breakdown import StepDetector, StepPairer
from devkit.home_traces import Trace, TrueEvent, make_trace

DAY_S = 86400.0
MATCH_S = 30.0


@dataclass(frozen=True)
class PairedRun:
    on: float
    off: float
    size_w: float


def week(household: int, first_day: int) -> Trace:
    days = [
        make_trace(household * 100 + day, hours=24, household=household, start_s=day * DAY_S)
        for day in range(first_day, first_day + 7)
    ]
    return Trace(
        days[0].interval_s,
        [r for d in days for r in d.readings],
        [e for d in days for e in d.truth],
    )


def paired_runs(trace: Trace) -> list[PairedRun]:
    """The mains through the home view's detector and pairer (no known devices)."""
    detector, pairer, runs = StepDetector(), StepPairer(), []
    for t, watts in trace.readings:
        if (step := detector.add(watts, t)) is None:
            continue
        if step.size_w > 0:
            pairer.step_up(step, "unknown")
        elif (finished := pairer.step_down(step, "unknown")) is not None:
            runs.append(PairedRun(step.time - finished.on_time_s, step.time, finished.size_w))
    return runs


def true_runs(trace: Trace) -> dict[str, list[tuple[float, float, float]]]:
    """Each appliance's (on, off, watts) from the truth."""
    opened: dict[str, TrueEvent] = {}
    runs: dict[str, list[tuple[float, float, float]]] = {}
    for event in trace.truth:
        if event.size_w > 0:
            opened[event.device] = event
        elif (on := opened.pop(event.device, None)) is not None:
            runs.setdefault(event.device, []).append((on.time, event.time, on.size_w))
    return runs


def owner(run: PairedRun, truth: dict[str, list[tuple[float, float, float]]]) -> str:
    """The appliance whose true run this is (its on and off within MATCH_S), or 'none'."""
    for device, runs in truth.items():
        for on, off, _ in runs:
            if abs(on - run.on) <= MATCH_S and abs(off - run.off) <= MATCH_S:
                return device
    return "none"


def f1(found: list[tuple[float, int]], true: list[tuple[float, int]]) -> float:
    """Events (time, +1 on / -1 off) matched one to one within MATCH_S, same direction."""
    unused, hits = list(true), 0
    for t, sign in found:
        match = next((u for u in unused if u[1] == sign and abs(u[0] - t) <= MATCH_S), None)
        if match is not None:
            unused.remove(match)
            hits += 1
    if not found or not true:
        return 0.0
    precision, recall = hits / len(found), hits / len(true)
    return 2 * precision * recall / (precision + recall) if hits else 0.0
