"""A Flume's Water total against the simulator's truth when its pulse counter misbehaves: one bad
count (a zero, a spike) books nothing and fires no leak, a counter restarted from zero (a battery
change) loses nothing, read at once or after the bridge was away, and a restart between a
glitch and the recovery changes nothing."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
import pytest

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.flume_bridge import SimulatedFlumeBridge
from tests.kinds.flume import add_calibrated, publish, state, water_events

pytestmark = [
    pytest.mark.usefixtures("short_listen"),
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-06-15 18:00:00+00:00", tick=True),
]
SHOWER = [(300, 8.0)]  # five minutes at 8 L/min


class Truth:
    def __init__(self, hass: HomeAssistant, bridge: SimulatedFlumeBridge) -> None:
        self.hass, self.bridge = hass, bridge
        self.booked, self.used = self.total(), bridge.liters

    def total(self) -> float:
        return float(state(self.hass, "water_total"))

    def assert_exact(self) -> None:
        # To the pulse: the counter truncates the true volume at each end.
        assert self.total() - self.booked == pytest.approx(
            self.bridge.liters - self.used, abs=2 * self.bridge.liters_per_pulse
        )


async def started(hass: HomeAssistant, bridge: SimulatedFlumeBridge) -> Truth:
    bridge.liters = 400.0  # a young counter, so a restarted one soon passes half of it
    await add_calibrated(hass, bridge)
    await publish(hass, bridge.water, SHOWER)
    return Truth(hass, bridge)


@pytest.mark.parametrize("bad", [0, 10**7], ids=["zero", "spike"])
async def test_one_bad_count_books_nothing_and_fires_nothing(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
    bad: int,
) -> None:
    truth = await started(hass, bridge)
    fired = water_events(hass)
    # The bad count is the last sample of its batch: the one the ledger reads.
    await publish(hass, bridge.water, [(25, 8.0)])
    bridge.counter_glitches.append(bad)
    await publish(hass, bridge.water, [(5, 8.0)])
    await publish(hass, bridge.water, SHOWER)
    truth.assert_exact()
    assert "high_flow_started" not in fired
    pulses = hass.config_entries.async_entries(DOMAIN)[0].runtime_data.runtime.coordinator
    counts = pulses.state.pulses.counts()
    assert (counts["held"], counts["glitches"], counts["resets"]) == (1, 1, 0)


async def test_a_counter_restarted_from_zero_loses_nothing(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
) -> None:
    truth = await started(hass, bridge)
    bridge.restart_counter()
    await publish(hass, bridge.water, SHOWER)
    truth.assert_exact()


async def test_a_restart_read_after_the_bridge_was_away_loses_nothing(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
    freezer,
) -> None:
    """The battery is changed and 300 L run before the bridge is heard again: the new count
    is above half of the old one."""
    truth = await started(hass, bridge)
    bridge.restart_counter()
    freezer.tick(timedelta(hours=1))  # nothing reached the broker meanwhile
    bridge.liters += 300.0
    await publish(hass, bridge.water, SHOWER)
    assert bridge.counter * bridge.liters_per_pulse > 200
    truth.assert_exact()


async def test_a_restart_between_a_glitch_and_the_recovery_changes_nothing(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
) -> None:
    truth = await started(hass, bridge)
    await publish(hass, bridge.water, [(25, 8.0)])
    bridge.counter_glitches.append(0)
    await publish(hass, bridge.water, [(5, 8.0)])
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await publish(hass, bridge.water, SHOWER)
    truth.assert_exact()
