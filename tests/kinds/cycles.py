"""Appliance-cycle test helpers: a washer on a Kasa strip outlet, run for minutes of Home Assistant
time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.core import Event, HomeAssistant
import pytest

from tests.kinds.kasa import kitchen_strip, poll

WASHER = [  # (minutes, watts): heat, tumble, soak, tumble, soak, spin
    (10, 2000.0),
    (3, 300.0),
    (4, 3.0),
    (3, 300.0),
    (3, 3.0),
    (5, 500.0),
]


POLL = timedelta(seconds=30)


@pytest.fixture
async def washer_strip() -> Any:
    sim = kitchen_strip()
    sim.sysinfo["children"][4]["alias"] = "Washer"
    sim.outlets[4].on = True
    sim.set_load(4, 0.5)
    async with sim:
        yield sim


async def run_for(hass: HomeAssistant, freezer, minutes: float) -> None:
    for _ in range(round(minutes * 60 / POLL.total_seconds())):
        freezer.tick(POLL)
        await poll(hass)


def cycle_events(
    hass: HomeAssistant, entity_id: str = "event.washer_cycle"
) -> list[dict[str, Any]]:
    fired: list[dict[str, Any]] = []

    def on_change(event: Event) -> None:
        new, old = event.data["new_state"], event.data["old_state"]
        if event.data["entity_id"] != entity_id or new is None or old is None:
            return
        # A reload shows the last event again (restored, from unavailable): not a new one.
        if old.state != "unavailable" and new.state not in (old.state, "unavailable"):
            fired.append(dict(new.attributes) | {"at": new.state})

    hass.bus.async_listen("state_changed", on_change)
    return fired
