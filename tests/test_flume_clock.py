"""A Flume bridge without NTP, through Home Assistant: its clock hours ahead, a day behind, or
back at 1970 after a reboot and then corrected. No pulse is lost or counted twice, leaks are
still seen, the offset is shown, and a clock wrong for over an hour raises a repair issue."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest

from devkit.simulators.flume_bridge import RUNNING_TOILET, SimulatedFlumeBridge
from tests.conftest import clock_repair
from tests.kinds.flume import add_calibrated, publish, state, water_events

# 11:00 in Home Assistant's zone (US/Pacific): a three-hour script stays within one day.
pytestmark = [
    pytest.mark.usefixtures("short_listen"),
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-06-15 18:00:00+00:00", tick=True),
]


def total_l(hass: HomeAssistant) -> float:
    return float(state(hass, "water_total"))


def exact(bridge: SimulatedFlumeBridge) -> float:
    """The bridge's counter in liters: what the total must read, to the pulse."""
    return pytest.approx(bridge.counter * bridge.liters_per_pulse, abs=1e-3)


@pytest.mark.parametrize(
    "error", [timedelta(hours=2), timedelta(days=-1)], ids=["2h-ahead", "a-day-behind"]
)
async def test_a_wrong_clock_loses_no_water_and_still_sees_the_leak(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
    error: timedelta,
) -> None:
    bridge.set_clock_error(error)
    entry = await add_calibrated(hass, bridge)
    fired = water_events(hass)
    await publish(hass, bridge.water, RUNNING_TOILET)  # 0.4 L/min for three hours
    assert total_l(hass) == exact(bridge)
    # All of it today, by Home Assistant's day (less the first batch: the day's count starts
    # from the first counter Home Assistant sees).
    assert 0 <= total_l(hass) - float(state(hass, "water_today")) < 0.25
    assert state(hass, "leak", "binary_sensor") == "on"
    assert fired == ["leak_started"]
    assert float(state(hass, "flow_rate")) == pytest.approx(0.4, rel=0.25)
    assert float(state(hass, "clock_offset")) == pytest.approx(error.total_seconds(), abs=60)
    # Last report is Home Assistant's time of the newest sample, not the bridge's.
    last = datetime.fromisoformat(state(hass, "last_report"))
    assert abs((last - dt_util.utcnow()).total_seconds()) < 120
    # Off by more than five minutes for three hours: a repair issue names what to do.
    issue = clock_repair(hass, entry.entry_id)
    assert issue is not None
    assert issue.translation_placeholders["device"] == f"Flume bridge for {bridge.sensor_id}"

    # NTP reaches the bridge: its clock is right from the next batch; nothing counted twice.
    bridge.set_clock_error(timedelta(0))
    await publish(hass, bridge.water, [(300, 0.0)])
    assert total_l(hass) == exact(bridge)
    assert state(hass, "leak", "binary_sensor") == "off"
    assert fired == ["leak_started", "leak_cleared"]
    assert abs(float(state(hass, "clock_offset"))) < 60
    assert clock_repair(hass, entry.entry_id) is None


async def test_a_reboot_to_1970_then_ntp_mid_stream_counts_every_pulse_once(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
) -> None:
    entry = await add_calibrated(hass, bridge)
    fired = water_events(hass)
    await publish(hass, bridge.water, [(3600, 0.4)])  # an hour of a running toilet
    assert total_l(hass) == exact(bridge)
    bridge.reboot_clock_to_epoch()  # the bridge restarts without NTP; the counter goes on
    await publish(hass, bridge.water, [(5400, 0.4)])
    assert total_l(hass) == exact(bridge)  # not frozen
    # Two and a half hours of continuous flow across the reboot: the two-hour leak is seen.
    assert state(hass, "leak", "binary_sensor") == "on"
    assert fired == ["leak_started"]
    assert float(state(hass, "clock_offset")) < -50 * 365 * 86400
    before_ntp = total_l(hass)
    bridge.set_clock_error(timedelta(0))  # NTP answers: forward by 56 years
    await publish(hass, bridge.water, [(1800, 0.4)])
    assert total_l(hass) == exact(bridge)
    assert total_l(hass) > before_ntp
    assert float(state(hass, "flow_rate")) == pytest.approx(0.4, rel=0.25)
    assert state(hass, "leak", "binary_sensor") == "on"  # still the same leak
    coordinator = entry.runtime_data.runtime.coordinator
    assert coordinator.clock_watch.clock.jumps == 2
    assert (coordinator.state.pulses.resets, coordinator.state.pulses.rebases) == (0, 0)
    await publish(hass, bridge.water, [(300, 0.0)])
    assert fired == ["leak_started", "leak_cleared"]
    assert abs(float(state(hass, "clock_offset"))) < 60


async def test_the_clock_survives_a_restart(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
) -> None:
    """Stored with the counter: after a reload, a bridge still two hours ahead is placed the
    same, and a jump while Home Assistant was down is still seen as one."""
    bridge.set_clock_error(timedelta(hours=2))
    entry = await add_calibrated(hass, bridge)
    await publish(hass, bridge.water, [(600, 0.4)])
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert float(state(hass, "clock_offset")) == pytest.approx(7200, abs=60)
    bridge.reboot_clock_to_epoch()
    await publish(hass, bridge.water, [(600, 0.4)])
    assert total_l(hass) == exact(bridge)
    assert float(state(hass, "clock_offset")) < -50 * 365 * 86400
