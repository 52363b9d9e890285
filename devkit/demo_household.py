"""Demo only: the home view's first week of learning, generated, and the appliances the demo's
smart meter keeps seeing live.

A real home's appliances are offered after about a week of its mains. The demo would need that
week, so it learns a GENERATED one instead: household DEMO_HOUSEHOLD of the appliance benchmark
(devkit/household_weeks.py: its kettle, toaster, microwave, oven, fridge and washer), ending now,
through the integration's own step detector, pairer and learner. The demo gives that to its home
entry before the entry's first real run (scripts/demo_runner.py says so in its log). After that
it is the real thing: the simulated CAD's mains keep the same kettle and oven boiling and baking,
and a named one turns on and off live.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from zoneinfo import ZoneInfo

from custom_components.lanmeter.home.appliances import ApplianceLearner, Run
from devkit.home_traces import make_trace
from devkit.household_weeks import DAY_S, paired_runs, week

DEMO_HOUSEHOLD = 1  # not one the learner was tuned on (2000-2004)


def learned_week(now: float, time_zone: ZoneInfo) -> dict[str, Any]:
    """The learner's stored state after the household's generated week ending at `now`, its
    candidates already offered (so the home entry offers them again when it starts)."""
    learner = ApplianceLearner()
    shift = now - 7 * DAY_S
    for run in paired_runs(week(DEMO_HOUSEHOLD, 0)):
        started = run.on + shift
        hour = dt.datetime.fromtimestamp(started, time_zone).hour
        learner.add(Run(started, run.size_w, run.off - run.on, hour))
    learner.new_candidates()
    return learner.as_dict()


@functools.cache  # a day's trace is generated to read it: once per appliance is enough
def appliance_watts(name: str) -> float:
    """The demo household's appliance of that name (its size is the household's, every day)."""
    (size,) = {e.size_w for e in make_trace(0, hours=24, household=DEMO_HOUSEHOLD).truth
               if e.device == name and e.size_w > 0}  # fmt: skip
    return size
