"""WeMo test helpers: the Dryer (a simulated Insight), adding a WeMo through the config flow, and
the harness every WeMo test uses (pytestmark usefixtures("wemo_harness"))."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.wemo import registry as wemo_registry
from devkit.simulators.wemo_device import SimulatedWemo
from tests.mosquitto import free_port
from tests.polling import until


@pytest.fixture
def any_callback_port(monkeypatch: pytest.MonkeyPatch, socket_enabled: None) -> None:
    """pywemo's callback server on a free port instead of 8989."""
    monkeypatch.setattr(wemo_registry, "DEFAULT_CALLBACK_PORT", free_port())


@pytest.fixture
async def unload_entries(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[None]:
    """Unload every entry before the simulators stop, so pywemo's threads end cleanly. A
    simulator whose `async with` ends in the test keeps serving until then: a poll started as
    the test ended (a quiet WeMo is polled) would otherwise meet a closed port and wait out
    pywemo's retries."""
    stopped: list[SimulatedWemo] = []
    stop = SimulatedWemo.stop

    async def stop_after_unload(sim: SimulatedWemo) -> None:
        stopped.append(sim)

    monkeypatch.setattr(SimulatedWemo, "stop", stop_after_unload)
    yield
    await hass.async_block_till_done(wait_background_tasks=True)
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is config_entries.ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    for sim in stopped:
        await stop(sim)


@pytest.fixture
async def insight() -> AsyncIterator[SimulatedWemo]:
    async with SimulatedWemo("Insight", serial="221517K0101769") as sim:
        sim.name = "Dryer"
        yield sim


async def add(
    hass: HomeAssistant, sim: SimulatedWemo, port: int | None = None, host: str = "127.0.0.1"
) -> Any:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "wemo"}
    )
    answers: dict[str, Any] = {"host": host, "port": port or sim.port}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    if result["type"] is FlowResultType.CREATE_ENTRY:
        await hass.async_block_till_done()
        # Wait until pywemo subscribed and the initial NOTIFYs were delivered. (pywemo itself
        # counts an Insight that is off as not subscribed: it stops sending InsightParams.)
        services = 2 if sim.has_insight else 1
        await until(lambda: len(sim.subscribers) >= services and sim.notifies_sent >= services)
    return result


def state(hass: HomeAssistant, entity_id: str) -> str:
    return hass.states.get(entity_id).state


@pytest.fixture
def wemo_harness(any_callback_port: None, unload_entries: None) -> None:
    """What every WeMo test module uses (pytestmark): pywemo's callback server on a free port,
    and entries unloaded before the simulators stop."""
