"""Flume test helpers: a simulated bridge on the real Mosquitto, adding it through the config flow,
publishing and waiting until Home Assistant took it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

from homeassistant import config_entries
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.flume.config_flow import FlumeFlowMixin
from devkit.simulators.flume_bridge import (
    SimulatedFlumeBridge,
)
from tests.polling import until

KEY = bytes.fromhex("5e" * 16 + "a7" * 16)


NAME = "flume_a3c0de"  # "Flume" + the sensor id's last six characters


@pytest.fixture
def short_listen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FlumeFlowMixin, "flume_listen_s", 2.0)


@pytest.fixture
def ticking(hass: HomeAssistant, freezer) -> Callable[[float], None]:
    """Moves Home Assistant's (frozen) clock as a simulated bridge publishes: its batches
    arrive 30 s apart by Home Assistant's clock, as from a real bridge. Called from the
    simulator's thread; first lets Home Assistant take what was delivered, so a message is
    stamped on arrival, not minutes later (a real bridge is not that far ahead of its broker)."""

    def advance(seconds: float) -> None:
        asyncio.run_coroutine_threadsafe(hass.async_block_till_done(), hass.loop).result(10)
        freezer.tick(timedelta(seconds=seconds))

    return advance


@pytest.fixture
async def bridge(
    mqtt_broker: int,
    ticking: Callable[[float], None],
) -> AsyncIterator[SimulatedFlumeBridge]:
    sim = SimulatedFlumeBridge(mqtt_broker, KEY, advance=ticking)
    await asyncio.to_thread(sim.connect)
    yield sim
    await asyncio.to_thread(sim.close)


async def configure(hass: HomeAssistant, port: int, key: str | None, publish=None) -> dict:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "flume"}
    )
    answers: dict[str, Any] = {"host": "127.0.0.1", "port": port, "tls": False}
    if key is not None:
        answers["device_key"] = key
    task = asyncio.ensure_future(
        hass.config_entries.flow.async_configure(result["flow_id"], answers)
    )
    # Like a bridge (it repeats every ~30 s): publish until the listening flow has heard it.
    while publish and not task.done():
        await asyncio.to_thread(publish)
        await asyncio.wait([task], timeout=0.2)
    result = await task
    await hass.async_block_till_done()
    return result


async def add_flume(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> config_entries.ConfigEntry:
    result = await configure(hass, bridge.port, KEY.hex(), bridge.hello)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    return result["result"]


async def add_calibrated(
    hass: HomeAssistant, bridge: SimulatedFlumeBridge
) -> config_entries.ConfigEntry:
    """A bridge added, its volume per pulse set to the simulator's own (as after calibrating)."""
    entry = await add_flume(hass, bridge)
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "liters_per_pulse": bridge.liters_per_pulse}
    )
    return entry


def flume_connections(hass: HomeAssistant) -> list:
    """The MQTT connections of the Flume entries set up now (each subscribes to every bridge)."""
    return [
        entry.runtime_data.runtime.mqtt
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.data.get("kind") == "flume"
        and entry.state is config_entries.ConfigEntryState.LOADED
    ]


async def publish(hass: HomeAssistant, action, *args) -> None:
    """Publish from a thread (each message acknowledged by the broker), then wait until every
    Flume entry has taken as many messages and Home Assistant has applied them."""
    connections = flume_connections(hass)
    taken = [connection.messages for connection in connections]
    published = SimulatedFlumeBridge.published_everywhere
    await asyncio.to_thread(action, *args)
    sent = SimulatedFlumeBridge.published_everywhere - published
    await until(
        lambda: all(
            c.messages - before >= sent for c, before in zip(connections, taken, strict=True)
        )
    )
    await hass.async_block_till_done()


def water_events(hass: HomeAssistant) -> list[str]:
    """The event types the water event entity fires from now on, in order."""
    fired: list[str] = []

    def on_event(event: Event) -> None:
        new = event.data["new_state"]
        if event.data["entity_id"] == f"event.{NAME}_water" and new is not None:
            fired.append(new.attributes.get("event_type"))

    hass.bus.async_listen("state_changed", on_event)
    return fired


def state(hass: HomeAssistant, key: str, domain: str = "sensor") -> str:
    found = hass.states.get(f"{domain}.{NAME}_{key}")
    assert found is not None, key
    return found.state
