"""A Kasa strip whose clock is wrong (no NTP after a power cut, the wrong zone), through Home
Assistant: its history lands on Home Assistant's days, "today" is Home Assistant's day, its
clock is set (at most once a day), and a clock left wrong raises a repair issue."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.clock import DeviceClock
from tests.conftest import clock_repair
from tests.kinds.kasa import add_strip, kitchen_strip, poll
from tests.soak_report import report

# 03:00 in Home Assistant's zone (US/Pacific) on an ordinary day; the clock ticks on by itself
# so the event loop's waits end.
pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True),
]
KETTLE_TOTAL = "sensor.kettle_energy_total"
CLOCK = "sensor.kitchen_strip_clock_offset"


async def later(hass: HomeAssistant, freezer, delta: timedelta) -> None:
    """Home Assistant's clock moves on; the next poll runs."""
    freezer.tick(delta)
    await poll(hass)


def without_setting_the_clock(hass: HomeAssistant) -> None:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(entry, options={**entry.options, "set_clock": False})


def clock_issue(hass: HomeAssistant) -> ir.IssueEntry | None:
    return clock_repair(hass, hass.config_entries.async_entries(DOMAIN)[0].entry_id)


async def test_energy_today_is_home_assistants_day_not_the_strips(
    hass: HomeAssistant, freezer
) -> None:
    """The strip is six hours behind (its zone is wrong): at 03:00 here it is 21:00 of
    yesterday there, and its own "today" holds yesterday evening's energy."""
    sim = kitchen_strip(clock=DeviceClock(error=timedelta(hours=-6)))
    sim.outlets[0].today_wh = 2500.0  # the strip's day so far: yesterday, here
    async with sim:
        await add_strip(hass, sim)
        without_setting_the_clock(hass)
        start_wh = sim.outlets[0].total_wh
        assert float(hass.states.get("sensor.kettle_energy_today").state) < 0.01
        await later(hass, freezer, timedelta(hours=1))
        used_kwh = (sim.outlets[0].total_wh - start_wh) / 1000
        assert used_kwh == pytest.approx(1.5, abs=0.05)  # the kettle's hour
        today = float(hass.states.get("sensor.kettle_energy_today").state)
        assert today == pytest.approx(used_kwh, abs=0.01)
        # At the strip's midnight (06:00 here) nothing resets; at Home Assistant's it does.
        await later(hass, freezer, timedelta(hours=3))
        assert float(hass.states.get("sensor.kettle_energy_today").state) > 5.5
        assert clock_issue(hass) is not None  # six hours off for more than an hour


async def test_a_strip_that_refuses_is_asked_at_most_once_a_day(
    hass: HomeAssistant, freezer
) -> None:
    sim = kitchen_strip(clock=DeviceClock(error=timedelta(hours=3)))
    sim.refuse_time = True
    async with sim:
        await add_strip(hass, sim)
        await poll(hass)
        await poll(hass)
        assert len(sim.clock_requests) == 1
        for _ in range(5):
            await later(hass, freezer, timedelta(hours=2))
        assert len(sim.clock_requests) == 1  # no retry storm
        await later(hass, freezer, timedelta(hours=15))
        assert len(sim.clock_requests) == 2  # the next day
        assert float(hass.states.get(CLOCK).state) == pytest.approx(3 * 3600, abs=5)


async def test_a_wrong_clock_raises_a_repair_that_clears_when_it_is_right(
    hass: HomeAssistant, freezer
) -> None:
    sim = kitchen_strip(clock=DeviceClock(error=timedelta(minutes=10)))
    async with sim:
        await add_strip(hass, sim)
        without_setting_the_clock(hass)
        await later(hass, freezer, timedelta(minutes=30))
        assert clock_issue(hass) is None  # not yet an hour
        await later(hass, freezer, timedelta(minutes=40))
        issue = clock_issue(hass)
        assert issue is not None
        assert issue.translation_placeholders["device"] == "Kitchen strip"
        assert issue.translation_placeholders["offset"] == "10 minutes ahead"
        sim.clock.error = timedelta(0)  # someone gave it NTP
        await later(hass, freezer, timedelta(hours=1))
        # Read again at each poll until it has stayed back for two minutes: a clock set back.
        await later(hass, freezer, timedelta(minutes=3))
        assert clock_issue(hass) is None
        assert abs(float(hass.states.get(CLOCK).state)) < 5
        assert sim.clock_requests == []


@pytest.mark.freeze_time("2026-11-18 06:00:00+00:00", tick=True)  # 22:00 here
async def test_energy_today_after_a_clock_jump_across_midnight_counts_only_today(
    hass: HomeAssistant, freezer
) -> None:
    """The strip's clock jumps two hours ahead at 22:00: until it is right again at 23:00 its
    own "today" is tomorrow, and holds that hour's energy when tomorrow comes. Home Assistant's
    new day must not start from it (issue 36 item 6)."""
    async with kitchen_strip() as sim:
        await add_strip(hass, sim)
        without_setting_the_clock(hass)
        sim.clock.error = timedelta(hours=2)
        await later(hass, freezer, timedelta(minutes=1))
        for _ in range(6):
            await later(hass, freezer, timedelta(minutes=10))
        sim.clock.error = timedelta(0)  # its time server answers again
        for _ in range(12):  # past midnight here (00:00 is 2 h after the start)
            await later(hass, freezer, timedelta(minutes=5))
        after_midnight_wh = sim.outlets[0].used_wh  # 00:01
        for _ in range(6):
            await later(hass, freezer, timedelta(minutes=5))
        kettle_kwh_per_min = 1.5 / 60
        truth = (sim.outlets[0].used_wh - after_midnight_wh) / 1000 + kettle_kwh_per_min
        # The readings before and after midnight are 5 minutes apart: what came between them may
        # land on either day. The hour dated "tomorrow" by the wrong clock must not.
        today = float(hass.states.get("sensor.kettle_energy_today").state)
        report("kettle energy today", today, truth)
        assert today == pytest.approx(truth, abs=5 * kettle_kwh_per_min + 0.002)


def daystat_requests(sim) -> int:
    return sum("get_daystat" in r.get("emeter", {}) for r in sim.requests)


@pytest.mark.freeze_time("2026-11-18 07:20:00+00:00", tick=True)  # 23:20 here
async def test_the_strips_count_for_today_is_asked_when_a_day_starts_not_at_every_poll(
    hass: HomeAssistant, freezer
) -> None:
    """The strip's own "today" covers the part of a day before Home Assistant read it: it is
    asked once per outlet at setup and at Home Assistant's midnight, never per poll (issue 32)."""
    sim = kitchen_strip()
    sim.outlets[0].today_wh = 2500.0  # the kettle's day so far ...
    sim.outlets[0].total_wh = 40000.0  # ... in a register that counted before it
    async with sim:
        await add_strip(hass, sim)
        outlets = len(sim.outlets)
        assert daystat_requests(sim) == outlets
        assert float(hass.states.get("sensor.kettle_energy_today").state) == pytest.approx(
            2.5, abs=0.01
        )
        for _ in range(6):  # to 23:50: thirty polls' worth of minutes, no count asked
            await later(hass, freezer, timedelta(minutes=5))
        assert daystat_requests(sim) == outlets
        await hass.config_entries.async_reload(
            hass.config_entries.async_entries(DOMAIN)[0].entry_id
        )
        await hass.async_block_till_done()
        assert daystat_requests(sim) == outlets  # the day was stored: no need to ask
        for _ in range(4):  # past Home Assistant's midnight
            await later(hass, freezer, timedelta(minutes=5))
        assert daystat_requests(sim) == 2 * outlets
        today = float(hass.states.get("sensor.kettle_energy_today").state)
        # The kettle's ten minutes of the new day (0.25 kWh), plus at most the five between the
        # readings either side of midnight; never yesterday's 2.5 kWh.
        assert 0.24 <= today <= 0.25 + 0.125 + 0.01


async def test_a_stored_clock_of_the_layout_before_stored_parts_still_holds(
    hass: HomeAssistant, freezer, hass_storage: dict
) -> None:
    """Stores written by the version before stored parts ("clock", "clock_setting" and
    "cycles" at the top) load into the parts: a refusing strip is still not asked again."""
    sim = kitchen_strip(clock=DeviceClock(error=timedelta(hours=3)))
    sim.refuse_time = True
    async with sim:
        await add_strip(hass, sim)
        await poll(hass)
        assert len(sim.clock_requests) == 1
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        assert await hass.config_entries.async_unload(entry.entry_id)
        data = hass_storage[f"{DOMAIN}.kasa_energy.{entry.entry_id}"]["data"]
        parts = data.pop("parts")
        data |= {
            "clock": parts["clock"]["tracker"],
            "clock_setting": parts["clock"]["setting"],
            "cycles": parts["cycles"],
        }
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await later(hass, freezer, timedelta(hours=2))
        assert len(sim.clock_requests) == 1
        assert float(hass.states.get(CLOCK).state) == pytest.approx(3 * 3600, abs=5)
        assert await hass.config_entries.async_unload(entry.entry_id)
        stored = hass_storage[f"{DOMAIN}.kasa_energy.{entry.entry_id}"]["data"]
        assert "clock" not in stored and stored["parts"]["clock"]["setting"]["refusals"] == 1
