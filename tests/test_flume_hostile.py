"""The Flume hub against forged and broken messages on the real broker (issue: hostile LAN)."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from devkit.simulators.flume_bridge import SimulatedFlumeBridge
from tests.kinds.flume import add_flume, publish, state

pytestmark = [
    pytest.mark.usefixtures("short_listen"),
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.freeze_time(tick=True),
    pytest.mark.time_sensitive,
]


async def test_a_keyed_entry_ignores_plaintext_forgeries(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
) -> None:
    """Anyone who can publish to the broker could fake a leak (and an automation may close the
    main valve): with a key, only what decrypts with it counts."""
    entry = await add_flume(hass, bridge)
    await publish(hass, bridge.hello)
    await publish(hass, bridge.water, [(60, 0.0)])
    before = float(state(hass, "water_total"))
    hub = entry.runtime_data.runtime.coordinator

    def forge() -> None:
        # Three hours of steady flow, in plain JSON on the sensor's own topic.
        samples = [
            {"timestamp": bridge.now + 5 * n, "value": bridge.counter + 40 * n} for n in range(1, 7)
        ]
        bridge.publish(1, bridge.sensor_id, None, raw=json.dumps(samples).encode())
        bridge.publish(2, bridge.sensor_id, None, raw=b'{"16": -20, "32": 9999}')

    await publish(hass, forge)
    assert float(state(hass, "water_total")) == before
    assert state(hass, "flow_rate") == "0.0"
    assert hub.counters["undecryptable"] == 2
    assert state(hass, "battery") == "92"
    # The real bridge still gets through.
    await publish(hass, bridge.water, [(120, 6.0)])
    assert float(state(hass, "water_total")) > before


@pytest.mark.parametrize("ahead", [10 * 365 * 86400, "milliseconds"])
async def test_a_stamp_far_in_the_future_loses_no_water(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
    ahead: int | str,
) -> None:
    entry = await add_flume(hass, bridge)
    await publish(hass, bridge.water, [(60, 6.0)])
    before = float(state(hass, "water_total"))

    def from_the_future() -> None:
        stamp = bridge.now * 1000 if ahead == "milliseconds" else bridge.now + ahead
        bridge.publish(1, bridge.sensor_id, [{"timestamp": stamp, "value": bridge.counter + 1}])

    await publish(hass, from_the_future)
    await publish(hass, bridge.water, [(120, 6.0)])
    # 2 min at 6 L/min (in the entry's uncalibrated 0.1 L per pulse): the total is not frozen.
    expected = 12.0 / bridge.liters_per_pulse * 0.1
    assert float(state(hass, "water_total")) == pytest.approx(before + expected, abs=0.3)
    assert float(state(hass, "flow_rate")) > 0
    # One stamp far off is not a clock jump (a jump lasts): the clock stays where it was, and
    # the stamp's pulse still counted.
    clock = entry.runtime_data.runtime.coordinator.clock_watch.clock
    assert clock.jumps == 0
    assert abs(float(state(hass, "clock_offset"))) < 60


@pytest.mark.parametrize(
    "plain",
    [
        b'{"16": NaN, "32": 3252}',
        b'{"16": -79, "32": Infinity}',
        b'[{"timestamp": NaN, "value": 5}]',
        b'[{"timestamp": 1e400, "value": 5}]',
        b'[{"timestamp": 1700000000, "value": ' + b"9" * 400 + b"}]",
        b'{"16": ' + b"9" * 5000 + b"}",
        b"[" * 50000,
        b'{"a":' * 20000 + b"1" + b"}" * 20000,
        b'{"16": "loud", "32": [3252]}',
    ],
    ids=["nan", "infinity", "nan-time", "huge-float", "huge-int", "huge-status", "deep-list",
         "deep-dict", "wrong-types"],
)  # fmt: skip
async def test_broken_numbers_and_nesting_are_counted_never_raised(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
    plain: bytes,
) -> None:
    entry = await add_flume(hass, bridge)
    await publish(hass, bridge.hello)
    await publish(hass, bridge.water, [(60, 6.0)])
    before = float(state(hass, "water_total"))
    hub = entry.runtime_data.runtime.coordinator
    kind = 1 if plain.startswith(b"[") else 2

    def send() -> None:
        assert bridge.box is not None
        bridge.publish(kind, bridge.sensor_id, None, raw=bridge.box.encrypt(plain))

    await publish(hass, send)
    assert float(state(hass, "water_total")) == before
    assert state(hass, "battery") == "92"
    assert sum(hub.counters.values()) >= 1
    await publish(hass, bridge.water, [(60, 6.0)])
    assert float(state(hass, "water_total")) > before


async def test_diagnostics_name_neither_sensor_nor_bridge(
    hass: HomeAssistant,
    hass_client,
    bridge: SimulatedFlumeBridge,
) -> None:
    entry = await add_flume(hass, bridge)
    await publish(hass, bridge.hello)
    await publish(hass, bridge.water, [(60, 6.0)])
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for identifier in (bridge.sensor_id, bridge.bridge_id):
        assert identifier not in text and identifier.lower() not in text
    assert diagnostics["device"]["meter"]["counter"] is not None  # the rest is still there
