"""Learning the appliances in "Other" (home/appliances.py): a signature seen often enough is
offered once, an ignored one never again, a named one owns its later runs, and the learner
survives a restart. Households from devkit/home_traces.py (seeds the benchmark does not use)."""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import async_get_device_automations

from custom_components.lanmeter import async_remove_config_entry_device
from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.diagnostics import async_get_config_entry_diagnostics
from custom_components.lanmeter.home.appliances import (
    IGNORED,
    MIN_RUNS,
    NEAR_SHARE,
    ApplianceLearner,
    Candidate,
    NamedRuns,
    Run,
)
from devkit.household_weeks import DAY_S, owner, paired_runs, true_runs, week
from tests.kinds.home import Trace, add_home

HOUR_S = 3600.0


def kettle_runs(count: int, first_day: int = 0) -> list[Run]:
    """A 2.1 kW kettle boiled for 3 minutes at 7:00 each day."""
    return [
        Run((first_day + day) * DAY_S + 7 * HOUR_S, 2100.0 + day % 3 * 10, 180.0, 7)
        for day in range(count)
    ]


def named_kettle() -> tuple[ApplianceLearner, Candidate]:
    """A learner that has offered the 2.1 kW kettle and been told its name."""
    learner = ApplianceLearner()
    for run in kettle_runs(6):
        learner.add(run)
    (candidate,) = learner.new_candidates()
    learner.name(candidate.key, "Kettle")
    return learner, candidate


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
    learner, _ = named_kettle()
    assert learner.signature_of(2080.0, 200.0).name == "Kettle"
    assert learner.signature_of(-2100.0, 150.0).name == "Kettle"  # its step down
    assert learner.signature_of(2100.0, 15 * 60.0) is None  # a washer's heater, as big
    assert learner.signature_of(1500.0, 180.0) is None
    assert [s.name for s in learner.named()] == ["Kettle"]


def test_a_candidate_merged_into_a_named_appliance_is_its_other_size() -> None:
    """The kettle half full (1.4 kW here) was found apart: merged, its steps are the kettle's,
    at their own size, and it is neither listed nor offered again."""
    learner, kettle = named_kettle()
    for day in range(6):
        learner.add(Run(day * DAY_S + 18 * HOUR_S, 1400.0, 120.0, 18))
    (half,) = learner.new_candidates()
    with pytest.raises(ValueError, match="itself"):
        learner.merge(kettle.key, kettle.key)
    learner.merge(half.key, kettle.key)
    assert list(learner.signatures) == [kettle.key]
    assert learner.signature_of(1405.0, 120.0) is learner.signatures[kettle.key]
    assert learner.describe(kettle.key).runs == 12
    assert learner.new_candidates() == []
    named = NamedRuns()
    assert named.step(learner, 0.0, 1400.0) == [(kettle.key, "turned_on")]
    assert named.power_w(kettle.key) == 1400.0
    restored = ApplianceLearner.from_dict(learner.as_dict())
    assert restored.signature_of(-1400.0) is restored.signatures[kettle.key]


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


async def switch_on(trace: Trace, watts: float, readings: int = 36) -> None:
    """12 quiet minutes at 300 W, then `readings` readings 5 s apart at `watts`."""
    for _ in range(12):
        await trace.at(60, mains=300)
    for _ in range(readings):
        await trace.at(5, mains=watts)


async def boil(trace: Trace, times: int, watts: float = 2400) -> None:
    """A kettle on no known plug: 12 quiet minutes, then 3 minutes on, `times` times."""
    for _ in range(times):
        await switch_on(trace, watts)
        for _ in range(6):
            await trace.at(5, mains=300)


def offered(hass: HomeAssistant) -> list[dict]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == config_entries.SOURCE_INTEGRATION_DISCOVERY
    ]


@pytest.mark.time_sensitive
async def test_a_learned_kettle_is_offered_named_and_gets_its_own_entities(
    hass: HomeAssistant, freezer
) -> None:
    """Through Home Assistant: six boils of a kettle no known plug explains make one discovered
    item; named "Kettle" it is a device with Running, Power, Energy and its on/off events, its
    power leaves Other, and a restart keeps all of it."""
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, fridge_power=0)
    entry = await add_home(hass, devices=["sensor.fridge_power"])  # the kettle has no plug
    await boil(trace, 4)
    assert offered(hass) == []  # four runs are not yet an appliance
    await boil(trace, 2)
    await hass.async_block_till_done()
    (flow,) = offered(hass)
    assert flow["context"]["title_placeholders"] == {"name": "Appliance of about 2.1 kW"}
    learned = (await async_get_config_entry_diagnostics(hass, entry))["device"]["appliances"]
    (signature,) = learned["learned"]
    assert signature["runs"] == 6 and signature["status"] == "offered"
    assert signature["duration_s"] == pytest.approx(180, abs=15)
    form = await hass.config_entries.flow.async_configure(flow["flow_id"])
    assert form["step_id"] == "home_appliance"
    assert form["description_placeholders"]["runs"] == "6"
    assert form["description_placeholders"]["minutes"] == "3"
    coordinator = entry.runtime_data.runtime.coordinator
    done = await hass.config_entries.flow.async_configure(flow["flow_id"], {"name": "Kettle"})
    assert done["reason"] == "appliance_named"
    await hass.async_block_till_done()  # the kettle's entities are added to the running entry
    assert entry.runtime_data.runtime.coordinator is coordinator  # no reload (issue 32)
    assert hass.states.get("binary_sensor.kettle_running").state == "off"
    assert float(hass.states.get("sensor.kettle_power").state) == 0
    assert float(hass.states.get("sensor.kettle_energy_total").state) == 0
    # In the automation editor: "Kettle turned on", "Kettle turned off" on its own device.
    kettle = er.async_get(hass).async_get("event.kettle").device_id
    listed = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, kettle)
    assert {t["type"] for t in listed if t["domain"] == DOMAIN} == {"turned_on", "turned_off"}
    turned: list[str] = []

    def kettle_event(event: Event) -> None:
        new = event.data["new_state"]
        if event.data["entity_id"] == "event.kettle" and new and "event_type" in new.attributes:
            turned.append(new.attributes["event_type"])

    hass.bus.async_listen("state_changed", kettle_event)
    await switch_on(trace, 2400)
    assert hass.states.get("binary_sensor.kettle_running").state == "on"
    assert float(hass.states.get("sensor.kettle_power").state) == pytest.approx(2100, abs=50)
    # Other is what nothing explains: the base, not the kettle.
    assert float(hass.states.get("sensor.home_other_power").state) < 400
    for _ in range(6):
        await trace.at(5, mains=300)
    assert turned == ["turned_on", "turned_off"]
    kwh = float(hass.states.get("sensor.kettle_energy_total").state)
    assert kwh == pytest.approx(2.1 * 3 / 60, rel=0.1)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert float(hass.states.get("sensor.kettle_energy_total").state) == pytest.approx(kwh)
    assert offered(hass) == []  # named: never offered again


@pytest.mark.time_sensitive
async def test_a_named_appliance_deleted_from_its_device_page_is_forgotten(
    hass: HomeAssistant, freezer
) -> None:
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, fridge_power=0)
    entry = await add_home(hass, devices=["sensor.fridge_power"])
    await boil(trace, 5)
    (flow,) = offered(hass)
    await hass.config_entries.flow.async_configure(flow["flow_id"])
    await hass.config_entries.flow.async_configure(flow["flow_id"], {"name": "Kettle"})
    await hass.async_block_till_done()
    devices = dr.async_get(hass)
    kettle = er.async_get(hass).async_get("sensor.kettle_power").device_id
    # What the device page's Delete asks the integration: Home stays, the kettle may go.
    home = er.async_get(hass).async_get("sensor.home_home_power").device_id
    assert not await async_remove_config_entry_device(hass, entry, devices.async_get(home))
    assert await async_remove_config_entry_device(hass, entry, devices.async_get(kettle))
    devices.async_remove_device(kettle)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.kettle_power") is None
    learned = (await async_get_config_entry_diagnostics(hass, entry))["device"]["appliances"]
    assert learned == {"runs_learned": 0, "learned": []}


async def home_offering_a_kettle(
    hass: HomeAssistant, freezer
) -> tuple[Trace, config_entries.ConfigEntry, dict]:
    """Home over a mains with a kettle no plug explains, boiled five times: its discovered item."""
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, kettle_power=0, fridge_power=0)
    entry = await add_home(hass)
    await boil(trace, 5)
    await hass.async_block_till_done()
    (flow,) = offered(hass)
    return trace, entry, flow


@pytest.mark.time_sensitive
async def test_an_ignored_appliance_is_not_offered_again_after_a_restart(
    hass: HomeAssistant, freezer
) -> None:
    trace, entry, flow = await home_offering_a_kettle(hass, freezer)
    # What the discovered card's Ignore does.
    await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_IGNORE},
        data={"unique_id": flow["context"]["unique_id"], "title": "Appliance"},
    )
    await hass.async_block_till_done()
    assert offered(hass) == []
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await boil(trace, 3)
    await hass.async_block_till_done()
    assert offered(hass) == []


def test_a_named_appliance_runs_from_its_step_up_to_its_step_down_and_books_that_energy() -> None:
    learner, candidate = named_kettle()
    named = NamedRuns()
    assert named.step(learner, 1000.0, 900.0) == []  # a toaster: not named
    assert named.step(learner, 1000.0, 2100.0) == [(candidate.key, "turned_on")]
    assert named.power_w(candidate.key) == pytest.approx(2110, abs=15)
    assert named.expire(learner, 1100.0) == []
    assert named.step(learner, 1180.0, -2090.0) == [(candidate.key, "turned_off")]
    assert named.power_w(candidate.key) == 0
    assert named.energy_kwh[candidate.key] == pytest.approx(2.11 * 180 / 3600, rel=0.01)


def named_kettle_and_toaster() -> tuple[ApplianceLearner, str, str]:
    """The 2.1 kW kettle and a 950 W toaster, both named."""
    learner, kettle = named_kettle()
    for day in range(6):
        learner.add(Run(day * DAY_S + 8 * HOUR_S, 950.0, 150.0, 8))
    (toaster,) = learner.new_candidates()
    learner.name(toaster.key, "Toaster")
    return learner, kettle.key, toaster.key


def test_a_step_measured_a_little_off_is_still_the_named_appliance() -> None:
    """A step right after another is measured on one reading: the toaster's 950 W read as
    1010 W on and -895 W off (beyond Hart's 35 W, within NEAR_SHARE) is still the toaster; a
    step far from every named size is none of them."""
    learner, _, toaster = named_kettle_and_toaster()
    assert learner.signature_of(1010.0) is None
    named = NamedRuns()
    assert named.step(learner, 0.0, 1010.0) == [(toaster, "turned_on")]
    assert named.step(learner, 150.0, -895.0) == [(toaster, "turned_off")]
    assert named.energy_kwh[toaster] == pytest.approx(0.95 * 150 / 3600, rel=0.01)
    assert named.step(learner, 300.0, 950.0 * (1 + NEAR_SHARE) + 20) == []


def test_two_named_appliances_switched_on_in_one_reading_are_both_on() -> None:
    """The toaster a second after the kettle is one step of their sum: both turn on, and
    each turns off at its own step down."""
    learner, kettle, toaster = named_kettle_and_toaster()
    named = NamedRuns()
    assert named.step(learner, 0.0, 2110.0 + 950.0) == [
        (kettle, "turned_on"),
        (toaster, "turned_on"),
    ]
    assert named.step(learner, 150.0, -950.0) == [(toaster, "turned_off")]
    assert named.step(learner, 180.0, -2110.0) == [(kettle, "turned_off")]
    assert named.energy_kwh[toaster] == pytest.approx(0.95 * 150 / 3600, rel=0.01)


def test_a_run_far_longer_than_the_appliance_runs_was_another_load_and_books_nothing() -> None:
    """A washer's 2 kW heater looks like the kettle when it starts; after three kettle runs'
    length it is not the kettle: its run ends without energy, and restored state is the energy
    only (a run open at a restart is not known to be on)."""
    learner, candidate = named_kettle()
    named = NamedRuns({candidate.key: 1.5})
    named.step(learner, 0.0, 2100.0)
    assert named.expire(learner, 3 * 180.0 + 1) == [candidate.key]
    assert named.energy_kwh[candidate.key] == 1.5
    named.step(learner, 600.0, 2100.0)
    assert NamedRuns.from_dict(named.as_dict()) == NamedRuns({candidate.key: 1.5})


@pytest.mark.time_sensitive
async def test_a_kettle_on_a_known_plug_is_never_learned(hass: HomeAssistant, freezer) -> None:
    """Its plug's power changes with every boil: the steps are the plug's, not Other's."""
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, kettle_power=0, fridge_power=0)
    entry = await add_home(hass)  # the kettle's plug is one of the chosen devices
    for _ in range(6):
        for _ in range(12):
            await trace.at(60, mains=300)
        await trace.at(1, kettle_power=2100)
        for _ in range(36):
            await trace.at(5, mains=2400)
        await trace.at(1, kettle_power=0)
        for _ in range(6):
            await trace.at(5, mains=300)
    await hass.async_block_till_done()
    assert offered(hass) == []
    learned = (await async_get_config_entry_diagnostics(hass, entry))["device"]["appliances"]
    assert learned == {"runs_learned": 0, "learned": []}


@pytest.mark.time_sensitive
async def test_an_offered_appliance_is_offered_again_after_a_restart_and_can_be_named(
    hass: HomeAssistant, freezer
) -> None:
    """A restart ends the discovered item's flow; the home offers it again while it starts up
    (before it is loaded), and naming works once it is."""
    _, entry, flow = await home_offering_a_kettle(hass, freezer)
    hass.config_entries.flow.async_abort(flow["flow_id"])  # as a restart loses it
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    (again,) = offered(hass)
    assert again["step_id"] == "home_appliance"
    assert again["context"]["unique_id"] == flow["context"]["unique_id"]
    result = await hass.config_entries.flow.async_configure(again["flow_id"], {"name": "Kettle"})
    assert result["reason"] == "appliance_named"
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.kettle_running") is not None


@pytest.mark.time_sensitive
async def test_two_appliances_found_for_one_are_merged_in_the_options(
    hass: HomeAssistant, freezer
) -> None:
    """Home's options offer merging once an appliance is named: the half-full kettle merged
    into the kettle is offered no more, and its boils turn the kettle on."""
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, fridge_power=0)
    entry = await add_home(hass, devices=["sensor.fridge_power"])
    settings = await hass.config_entries.options.async_init(entry.entry_id)
    assert settings["step_id"] == "init"  # nothing named: the settings, no menu
    hass.config_entries.options.async_abort(settings["flow_id"])
    await boil(trace, 5)
    (kettle,) = offered(hass)
    await hass.config_entries.flow.async_configure(kettle["flow_id"], {"name": "Kettle"})
    await hass.async_block_till_done()
    await boil(trace, 5, watts=1700)  # half full: a step of 1.4 kW
    await hass.async_block_till_done()
    (half,) = offered(hass)
    kettle_key = kettle["context"]["unique_id"].removeprefix("home_appliance_")
    half_key = half["context"]["unique_id"].removeprefix("home_appliance_")

    menu = await hass.config_entries.options.async_init(entry.entry_id)
    assert menu["type"] == "menu"
    form = await hass.config_entries.options.async_configure(
        menu["flow_id"], {"next_step_id": "merge_appliances"}
    )
    same = await hass.config_entries.options.async_configure(
        form["flow_id"], {"merge": kettle_key, "into": kettle_key}
    )
    assert same["errors"] == {"base": "merge_same"}
    done = await hass.config_entries.options.async_configure(
        form["flow_id"], {"merge": half_key, "into": kettle_key}
    )
    assert done["type"] == "create_entry"
    await hass.async_block_till_done()
    assert offered(hass) == []
    await switch_on(trace, 1700, readings=24)
    assert hass.states.get("binary_sensor.kettle_running").state == "on"
    assert float(hass.states.get("sensor.kettle_power").state) == pytest.approx(1400, abs=50)
