"""Learning the appliances in "Other" (home/appliances.py): a signature seen often enough is
offered once, an ignored one never again, a named one owns its later runs, and the learner
survives a restart. Households from devkit/home_traces.py (seeds the benchmark does not use)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
import pytest

from custom_components.lanmeter.diagnostics import async_get_config_entry_diagnostics
from custom_components.lanmeter.home.appliances import (
    IGNORED,
    MIN_RUNS,
    ApplianceLearner,
    Run,
)
from devkit.household_weeks import DAY_S, owner, paired_runs, true_runs, week
from tests.test_home_integration import Trace, add_home

HOUR_S = 3600.0


def kettle_runs(count: int, first_day: int = 0) -> list[Run]:
    """A 2.1 kW kettle boiled for 3 minutes at 7:00 each day."""
    return [
        Run((first_day + day) * DAY_S + 7 * HOUR_S, 2100.0 + day % 3 * 10, 180.0, 7)
        for day in range(count)
    ]


def test_a_signature_seen_often_enough_is_offered_once_with_what_people_recognise() -> None:
    learner = ApplianceLearner()
    for run in kettle_runs(MIN_RUNS - 1):
        learner.add(run)
    assert learner.new_candidates() == []
    learner.add(kettle_runs(MIN_RUNS)[-1])
    (candidate,) = learner.new_candidates()
    assert candidate.size_w == pytest.approx(2110, abs=15)
    assert (candidate.runs, candidate.duration_s, candidate.hour) == (MIN_RUNS, 180, 7)
    assert learner.new_candidates() == []  # offered once


def test_an_ignored_candidate_is_not_offered_again_even_after_a_restart() -> None:
    learner = ApplianceLearner()
    for run in kettle_runs(6):
        learner.add(run)
    (candidate,) = learner.new_candidates()
    learner.ignore(candidate.key)
    restarted = ApplianceLearner.from_dict(learner.as_dict())
    for run in kettle_runs(6, first_day=6):
        restarted.add(run)
    assert restarted.new_candidates() == []
    assert restarted.signatures[candidate.key].status == IGNORED


def test_a_named_appliance_owns_runs_of_its_size_and_length_only() -> None:
    learner = ApplianceLearner()
    for run in kettle_runs(6):
        learner.add(run)
    (candidate,) = learner.new_candidates()
    learner.name(candidate.key, "Kettle")
    assert learner.signature_of(2080.0, 200.0).name == "Kettle"
    assert learner.signature_of(-2100.0, 150.0).name == "Kettle"  # its step down
    assert learner.signature_of(2100.0, 15 * 60.0) is None  # a washer's heater, as big
    assert learner.signature_of(1500.0, 180.0) is None
    assert [s.name for s in learner.named()] == ["Kettle"]


def test_small_steps_and_old_runs_are_not_learned() -> None:
    learner = ApplianceLearner()
    for day in range(10):
        learner.add(Run(day * DAY_S, 60.0, 3600.0, 20))  # a lamp: too many alike
    for run in kettle_runs(4):  # a month ago
        learner.add(run)
    learner.add(kettle_runs(1, first_day=40)[0])
    assert learner.new_candidates() == []


@pytest.mark.parametrize("stored", [{"runs": [{"started": "x"}]}, {"signatures": [{"key": 1}]}])
def test_a_malformed_store_raises_for_the_loader(stored: dict) -> None:
    with pytest.raises((TypeError, ValueError)):
        ApplianceLearner.from_dict(stored)


@pytest.mark.parametrize("household", [100, 101])
def test_a_households_week_offers_its_kettle_toaster_microwave_and_oven(household: int) -> None:
    learner = ApplianceLearner()
    trace = week(household, 0)
    runs = paired_runs(trace)
    for run in runs:
        learner.add(Run(run.on, run.size_w, run.off - run.on, int(run.on % DAY_S // HOUR_S)))
    candidates = learner.new_candidates()
    truth = true_runs(trace)
    found = set()
    for candidate in candidates:
        owners = [
            owner(run, truth)
            for run in runs
            if learner.signature_of(run.size_w, run.off - run.on)
            is learner.signatures[candidate.key]
        ]
        found.add(max(set(owners), key=owners.count))
    assert {"kettle", "toaster", "microwave", "oven"} <= found, candidates
    assert "none" not in found  # no candidate that is no appliance


@pytest.mark.time_sensitive
async def test_the_home_view_learns_an_unexplained_kettle_and_keeps_it_across_a_restart(
    hass: HomeAssistant, freezer
) -> None:
    """Through Home Assistant: a kettle on no known plug, boiled six times on the mains, is
    one candidate in the diagnostics (learning only: naming it is not built yet). Diagnostics
    are read directly: hours of moved clock expire the test client's token."""
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, kettle_power=0, fridge_power=0)
    entry = await add_home(hass)
    for _ in range(6):
        for _ in range(12):
            await trace.at(60, mains=300)
        for _ in range(36):  # 3 minutes at 5 s
            await trace.at(5, mains=2400)
        for _ in range(6):
            await trace.at(5, mains=300)
    learned = (await async_get_config_entry_diagnostics(hass, entry))["device"]
    (candidate,) = learned["appliances"]["candidates"]
    assert candidate["size_w"] == pytest.approx(2100, abs=50)
    assert candidate["runs"] == 6
    assert candidate["duration_s"] == pytest.approx(180, abs=15)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    restarted = (await async_get_config_entry_diagnostics(hass, entry))["device"]
    assert restarted["appliances"] == learned["appliances"]
