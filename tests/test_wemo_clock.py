"""A WeMo whose clock or zone is wrong, through Home Assistant: "today" is Home Assistant's day
(no 7 PM resets), the Insight shows its clock's offset, and the clock is set by TimeSync, at
most once a day."""

from __future__ import annotations

from datetime import UTC, timedelta

from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from devkit.simulators.clock import DeviceClock
from devkit.simulators.wemo_device import SimulatedWemo
from tests.kinds.wemo import add, state
from tests.polling import until

# 15:00 in Home Assistant's zone (US/Pacific, standard time); the clock ticks on by itself.
pytestmark = [
    pytest.mark.usefixtures("wemo_harness"),
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-11-18 23:00:00+00:00", tick=True),
]


def dryer(clock: DeviceClock) -> SimulatedWemo:
    sim = SimulatedWemo("Insight", serial="221517K0101769", clock=clock)
    sim.name = "Dryer"
    return sim


async def running(hass: HomeAssistant, sim: SimulatedWemo, freezer, watts: float) -> None:
    """Switched on at the device, drawing `watts`, then on for a minute (its params tell its
    time only while it is on)."""
    sim.load_w = watts
    await sim.press(True)
    await until(lambda: state(hass, "switch.dryer") == STATE_ON)
    freezer.tick(timedelta(minutes=1))
    await sim.set_load(watts)  # a NOTIFY with fresh InsightParams


def kwh(sim: SimulatedWemo) -> float:
    return sim.today_mw_min / 6e7  # mW-minutes


async def test_energy_today_is_home_assistants_day_not_the_wemos(
    hass: HomeAssistant, freezer
) -> None:
    """The Insight keeps UTC as its zone: its midnight is 16:00 here (users see the reset in
    the afternoon). Home Assistant's "today" goes on until Home Assistant's midnight."""
    async with dryer(DeviceClock(zone=UTC)) as sim:
        entry = (await add(hass, sim))["result"]
        hass.config_entries.async_update_entry(entry, options={**entry.options, "set_clock": False})
        await running(hass, sim, freezer, 1000.0)
        freezer.tick(timedelta(hours=2))  # 17:00 here: past the WeMo's midnight
        await sim.set_load(1000.0)
        await until(lambda: float(state(hass, "sensor.dryer_energy_today")) > 1.9)
        assert kwh(sim) < 1.1  # the WeMo's own "today" started again at 16:00
        assert abs(float(state(hass, "sensor.dryer_clock_offset"))) < 5  # its seconds are right
        assert sim.clock_requests == []


async def test_the_wemos_clock_is_set_once_with_home_assistants_time_and_zone(
    hass: HomeAssistant, freezer
) -> None:
    async with dryer(DeviceClock(error=timedelta(hours=2))) as sim:
        await add(hass, sim)
        await running(hass, sim, freezer, 500.0)
        await until(lambda: len(sim.clock_requests) == 1)
        (request,) = sim.clock_requests
        assert abs(int(request["UTC"]) - dt_util.utcnow().timestamp()) < 5
        assert request["TimeZone"] == "-08.00"  # Pacific standard time
        assert (request["dst"], request["DstSupported"]) == ("0", "1")
        assert abs(sim.clock.error.total_seconds()) < 5
        freezer.tick(timedelta(minutes=1))
        await sim.set_load(600.0)
        await until(lambda: abs(float(state(hass, "sensor.dryer_clock_offset"))) < 5)
        freezer.tick(timedelta(hours=3))
        await sim.set_load(700.0)
        await until(lambda: state(hass, "sensor.dryer_power") == "700.0")
        assert len(sim.clock_requests) == 1


async def test_a_wemo_that_refuses_is_asked_at_most_once_a_day(
    hass: HomeAssistant, freezer
) -> None:
    sim = dryer(DeviceClock(error=timedelta(hours=-3)))
    sim.refuse_time = True
    async with sim:
        await add(hass, sim)
        await running(hass, sim, freezer, 500.0)
        await until(lambda: len(sim.clock_requests) >= 1)
        await hass.async_block_till_done(wait_background_tasks=True)
        # One call; pywemo itself tries a refused SOAP action up to 3 times.
        first_call = len(sim.clock_requests)
        assert first_call <= 3
        for watts in (510.0, 520.0, 530.0):
            freezer.tick(timedelta(hours=2))
            await sim.set_load(watts)
            await until(lambda watts=watts: state(hass, "sensor.dryer_power") == str(watts))
        await hass.async_block_till_done(wait_background_tasks=True)
        assert len(sim.clock_requests) == first_call  # no retry storm
        assert float(state(hass, "sensor.dryer_clock_offset")) == pytest.approx(-3 * 3600, abs=5)
        freezer.tick(timedelta(hours=19))
        await sim.set_load(540.0)
        await until(lambda: len(sim.clock_requests) > first_call)  # the next day


async def test_a_refusing_wemo_is_not_asked_again_after_a_restart(
    hass: HomeAssistant, freezer
) -> None:
    """When LAN Meter last set the clock is stored with the entry (issue 32): a restart does not
    start the day's attempt over."""
    sim = dryer(DeviceClock(error=timedelta(hours=-3)))
    sim.refuse_time = True
    async with sim:
        entry = (await add(hass, sim))["result"]
        await running(hass, sim, freezer, 500.0)
        await until(lambda: len(sim.clock_requests) >= 1)
        await hass.async_block_till_done(wait_background_tasks=True)
        first_call = len(sim.clock_requests)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        freezer.tick(timedelta(hours=1))
        await running(hass, sim, freezer, 510.0)
        await until(lambda: state(hass, "sensor.dryer_power") == "510.0")
        await hass.async_block_till_done(wait_background_tasks=True)
        assert float(state(hass, "sensor.dryer_clock_offset")) == pytest.approx(-3 * 3600, abs=5)
        assert len(sim.clock_requests) == first_call


@pytest.mark.parametrize(
    "capture",
    ["WeMo_WW_2.00.11408.PVT-OWRT-Insight.yaml", "WeMo_WW_2.00.11408.PVT-OWRT-LS.yaml"],
)
def test_the_simulators_timesync_service_is_the_real_ones(capture: str) -> None:
    """The real Insight and Light Switch describe timesync as the simulator serves it: the same
    service and control URL in setup.xml, the same actions and arguments in its SCPD."""
    import re

    import yaml

    from devkit.simulators.wemo_device import TIMESYNC_SCPD
    from tests.conftest import captures_dir

    interactions = yaml.safe_load((captures_dir("wemo") / capture).read_text())["interactions"]
    bodies = {i["request"]["uri"].rsplit("/", 1)[-1]: i["response"]["body"]["string"]
              for i in interactions}  # fmt: skip

    def actions(scpd: str) -> dict[str, list[str]]:
        found = {}
        for action in re.findall(r"<action>(.*?)</action>", scpd, re.S):
            name = re.search(r"<name>\s*(\w+)\s*</name>", action)
            assert name is not None
            found[name[1]] = re.findall(r"<argument>.*?<name>\s*(\w+)\s*</name>", action, re.S)
        return found

    assert actions(TIMESYNC_SCPD) == actions(bodies["timesyncservice.xml"])
    assert "<controlURL>/upnp/control/timesync1</controlURL>" in bodies["setup.xml"]
    assert "/upnp/control/timesync1" in SimulatedWemo("Insight").setup_xml()
