"""An Insight's Energy total against the simulator's truth when its register misbehaves: one bad
InsightParams books nothing; usage cleared (its on-time total goes back with it) books what was
used since, even when read an hour later above the old register; a restart between a glitch and
the recovery changes nothing."""

from __future__ import annotations

import contextlib
from datetime import timedelta
import logging

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pywemo.ouimeaux_device.api.service import Action, Session
import urllib3

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.wemo_device import SimulatedWemo
from tests.kinds.wemo import add, state
from tests.polling import until
from tests.soak_report import report

pytestmark = [
    pytest.mark.usefixtures("wemo_harness"),
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-11-18 23:00:00+00:00", tick=True),
]
TOTAL = "sensor.dryer_energy_total"
MW_MIN_PER_KWH = 6e7
EVERY = timedelta(seconds=30)


class Dryer:
    """The Insight running a 1 kW dryer, read by push every 30 s, next to the truth."""

    def __init__(self, hass: HomeAssistant, sim: SimulatedWemo, freezer) -> None:
        self.hass, self.sim, self.freezer = hass, sim, freezer

    def coordinator(self):
        return self.hass.config_entries.async_entries(DOMAIN)[0].runtime_data.runtime.coordinator

    async def readings(self, count: int, every: timedelta = EVERY) -> None:
        for _ in range(count):
            pushes = self.coordinator().pushes
            self.freezer.tick(every)
            await self.sim.set_load(self.sim.load_w)  # a NOTIFY with fresh InsightParams
            await until(lambda p=pushes: self.coordinator().pushes > p)
            await self.hass.async_block_till_done()

    def start(self) -> None:
        self.booked_at_start = float(state(self.hass, TOTAL))
        self.used_at_start = self.sim.used_reported_mw_min
        self.unseen_at_start = self.sim.unseen_mw_min

    def booked(self) -> float:
        return float(state(self.hass, TOTAL)) - self.booked_at_start

    def truth(self) -> float:
        """What went through the relay up to the last reading the Insight sent, less what it
        used between a reading and a clear of its register (no reader could see that: under
        load, tens of ms of a 1 kW dryer, beyond the comparison's 10 mWh)."""
        unseen = self.sim.unseen_mw_min - self.unseen_at_start
        return (self.sim.used_reported_mw_min - self.used_at_start - unseen) / MW_MIN_PER_KWH

    async def assert_exact(self) -> None:
        # The clock ticks (tick=True): an answer to a poll may be sent, moving the truth, a
        # moment before its reading is booked; wait for that reading, then compare.
        with contextlib.suppress(TimeoutError):
            await until(lambda: abs(self.booked() - self.truth()) <= 1e-5, seconds=5)
        report("dryer", self.booked(), self.truth())
        assert self.booked() == pytest.approx(self.truth(), abs=1e-5)


async def intervals(hass: HomeAssistant, freezer, count: int) -> None:
    """`count` poll intervals of Home Assistant's clock, with no push from the Insight."""
    for _ in range(count):
        freezer.tick(EVERY)
        async_fire_time_changed(hass, dt_util.utcnow())
        await hass.async_block_till_done(wait_background_tasks=True)


async def dryer(hass: HomeAssistant, sim: SimulatedWemo, freezer, total_kwh: float) -> Dryer:
    sim.name = "Dryer"
    sim.total_mw_min = total_kwh * MW_MIN_PER_KWH
    sim.on_total_s = 86_400.0
    sim.load_w = 1000.0
    await add(hass, sim)
    await sim.press(True)
    await until(lambda: state(hass, "switch.dryer") == "on")
    running = Dryer(hass, sim, freezer)
    await running.readings(1)
    running.start()
    return running


@pytest.mark.parametrize(
    "bad", [lambda mw: 0.0, lambda mw: mw / 10, lambda mw: mw * 10], ids=["zero", "digit", "spike"]
)
async def test_one_bad_reading_books_nothing(hass: HomeAssistant, freezer, bad) -> None:
    async with SimulatedWemo("Insight", serial="221517K0101769") as sim:
        running = await dryer(hass, sim, freezer, 27.64)
        sim.total_glitches.append(bad(sim.total_mw_min))
        await running.readings(4)
        await running.assert_exact()
        counts = running.coordinator().diagnostics()["register"]
        assert (counts["held"], counts["glitches"], counts["resets"]) == (1, 1, 0)


@pytest.mark.parametrize(
    ("old_kwh", "away"),
    [(27.64, timedelta(0)), (1.5, timedelta(hours=1)), (0.5, timedelta(hours=1))],
    ids=["read promptly", "read late, above half", "read late, above the old register"],
)
async def test_cleared_usage_loses_nothing(
    hass: HomeAssistant, freezer, old_kwh: float, away: timedelta
) -> None:
    """Usage cleared (in the app, or by a reset): its on-time total goes back with the register,
    so even a register already past the old one is known to have restarted."""
    async with SimulatedWemo("Insight", serial="221517K0101769") as sim:
        running = await dryer(hass, sim, freezer, old_kwh)
        sim.clear_usage()
        freezer.tick(away)  # no NOTIFY meanwhile (nothing changed at the device)
        await running.readings(3)
        await running.assert_exact()
        assert running.coordinator().diagnostics()["register"]["resets"] == 1


async def test_a_restart_between_a_glitch_and_the_recovery_changes_nothing(
    hass: HomeAssistant, freezer
) -> None:
    async with SimulatedWemo("Insight", serial="221517K0101769") as sim:
        running = await dryer(hass, sim, freezer, 27.64)
        sim.total_glitches.append(0.0)
        await running.readings(1)
        entry = hass.config_entries.async_entries(DOMAIN)[0]
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        await running.readings(3)
        await running.assert_exact()


async def test_the_first_push_after_a_gap_books_everything_used_meanwhile(
    hass: HomeAssistant, freezer, caplog: pytest.LogCaptureFixture
) -> None:
    """The Insight silently dropped its subscribers; 225 s later pywemo subscribes again and
    the first push is a BinaryState (basicevent first). The cached register it carries is not
    a reading of now: the InsightParams right after it books the whole gap (issue 36 item 2)."""
    async with SimulatedWemo("Insight", serial="221517K0101769") as sim:
        running = await dryer(hass, sim, freezer, 0.4)
        sim.subscribers.clear()
        freezer.tick(timedelta(seconds=225))
        coordinator = running.coordinator()
        pushes = coordinator.pushes
        await coordinator.registry.forget(coordinator.device)
        await coordinator.start_push()  # what pywemo's renewal does after a 412
        await until(lambda: coordinator.pushes >= pushes + 2)
        await hass.async_block_till_done()
        await running.assert_exact()
        counts = coordinator.diagnostics()["register"]
        assert (counts["held"], counts["rebases"]) == (0, 0)
    assert not [r for r in caplog.records if "energy (kWh)" in r.getMessage()]


async def test_an_insight_that_stops_pushing_is_polled_and_followed_again(
    hass: HomeAssistant, freezer, caplog: pytest.LogCaptureFixture
) -> None:
    """No push for QUIET_AFTER_S: polled; a change it did not push means its subscription is
    gone: said once, subscribed again; available all along, nothing lost (item 3)."""
    async with SimulatedWemo("Insight", serial="221517K0101769") as sim:
        running = await dryer(hass, sim, freezer, 0.4)
        sim.subscribers.clear()  # it rebooted its network stack, or dropped us: says nothing
        for _ in range(4):  # two minutes
            await intervals(hass, freezer, 1)
            assert state(hass, "switch.dryer") == "on"
        lost = [r for r in caplog.records if "changed without pushing" in r.getMessage()]
        assert len(lost) == 1 and lost[0].levelno == logging.WARNING
        await until(lambda: len(sim.subscribers) >= 2)
        await running.readings(2)
        await running.assert_exact()
        assert "pushes its changes again" in caplog.text


async def test_a_power_cut_at_the_insight_while_home_assistant_runs(
    hass: HomeAssistant, freezer, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    """The Insight loses power for 4 minutes (its usage cleared, its subscribers gone):
    unavailable while it does not answer, logged once, back by itself, exact."""
    monkeypatch.setattr(Session, "retries", urllib3.Retry(total=1, backoff_factor=0))
    monkeypatch.setattr(Action, "max_rediscovery_attempts", 1)
    async with SimulatedWemo("Insight", serial="221517K0101769") as sim:
        running = await dryer(hass, sim, freezer, 0.4)
        await sim.power_off()
        await intervals(hass, freezer, 8)
        assert state(hass, "switch.dryer") == "unavailable"
        await sim.power_on()
        await intervals(hass, freezer, 2)
        assert state(hass, "switch.dryer") == "on"
        await until(lambda: len(sim.subscribers) >= 2, seconds=30)
        await running.readings(3)
        await running.assert_exact()
        assert running.coordinator().diagnostics()["register"]["resets"] == 1
    assert sum("did not answer" in r.getMessage() for r in caplog.records) == 1
