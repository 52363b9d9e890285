"""Home Assistant's side of appliance cycles (cycles.py): one CycleWatch per device with power.

Its coordinator feeds it each power reading on Home Assistant's clock; it fires `cycle_started`
and `cycle_finished` (with duration, energy and, when a price is known, cost: the Energy
dashboard's grid price, else a Glow CAD's unit rate) through its EventSource, runs the timer
that finishes a cycle when no reading comes, and tells its *Running* sensor. Its tracker and
quiet period are stored with the coordinator's state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import logging
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .cycles import FINISHED, QUIET_S, CycleEvent, CycleTracker
from .event_source import EventSource
from .price_sources import async_offered_price
from .stored import load_one
from .stored_parts import WaitingRecords

_LOGGER = logging.getLogger(__name__)

MIN_QUIET_S = 60.0
MAX_QUIET_S = 4 * 3600.0


async def grid_price(hass: HomeAssistant) -> float | None:
    """The Energy dashboard's grid import price per kWh (a fixed number or a price entity's
    state), or None when it has none. Reads both of its stored layouts (before and after grid
    connections were unified in 2025)."""
    if "energy" not in hass.config.components:
        return None
    from homeassistant.components.energy.data import async_get_manager

    manager = await async_get_manager(hass)
    data: Any = manager.data or {}  # its layout changed across releases: read it as JSON
    for source in data.get("energy_sources", []):
        if source.get("type") != "grid":
            continue
        for flow in [source, *source.get("flow_from", [])]:
            if (price := _price_of(hass, flow)) is not None:
                return price
    return None


async def energy_price(hass: HomeAssistant) -> tuple[float, str] | None:
    """What a kWh costs, and in which currency: the Energy dashboard's grid price (the user's
    own choice) first, else a price a kind offers (price_sources.py: a Glow CAD's unit rate)."""
    if (price := await grid_price(hass)) is not None:
        return price, hass.config.currency
    if (offered := async_offered_price(hass)) is not None:
        return offered.per_kwh, offered.currency
    return None


def _price_of(hass: HomeAssistant, flow: dict[str, Any]) -> float | None:
    if (number := flow.get("number_energy_price")) is not None:
        return float(number)
    entity_id = flow.get("entity_energy_price")
    state = hass.states.get(entity_id) if entity_id else None
    if state is None or state.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
        return None
    try:
        return float(state.state)
    except ValueError:
        return None


class CycleWatch:
    """One device's cycles, in Home Assistant."""

    def __init__(self, hass: HomeAssistant, name: str, save: Callable[[], None]) -> None:
        self.hass = hass
        self.name = name
        self.tracker = CycleTracker()
        self.quiet_s = QUIET_S
        self.events = EventSource()  # cycle_started, cycle_finished
        self.changes = EventSource()  # "running" may have changed (readings, the timer)
        self._save = save
        self._timer: CALLBACK_TYPE | None = None
        self._timer_at: float | None = None  # when the timer fires (epoch seconds)
        self._shown_running: bool | None = None  # what the Running sensor was last told

    @property
    def running(self) -> bool:
        return self.tracker.running

    @callback
    def add(self, watts: float | None, now: datetime | None = None) -> None:
        """A power reading (None: the device could not be read) at Home Assistant's `now`."""
        at = (now or dt_util.utcnow()).timestamp()
        self._publish(self.tracker.add(watts, at, self.quiet_s))

    @callback
    def set_quiet(self, seconds: float) -> None:
        self.quiet_s = min(MAX_QUIET_S, max(MIN_QUIET_S, seconds))
        self._publish([])
        self._save()

    @callback
    def shutdown(self) -> None:
        if self._timer is not None:
            self._timer()
        self._timer = self._timer_at = None

    @callback
    def _tick(self, now: datetime) -> None:
        self._timer = self._timer_at = None
        self._publish(self.tracker.tick(now.timestamp(), self.quiet_s))

    @callback
    def _schedule_finish(self) -> None:
        """A timer at the running cycle's finish. A reading that moves the finish later keeps
        the timer, which fires, finds the cycle still running and sets itself again: one timer
        per quiet period, not one per reading (a strip's outlets read every 5 s)."""
        finish = self.tracker.finishes_at(self.quiet_s)
        if finish is None:
            self.shutdown()
            return
        if self._timer is not None and self._timer_at is not None and self._timer_at <= finish:
            return
        self.shutdown()
        self._timer = async_track_point_in_utc_time(
            self.hass, self._tick, dt_util.utc_from_timestamp(finish)
        )
        self._timer_at = finish

    @callback
    def _publish(self, events: list[CycleEvent]) -> None:
        self._schedule_finish()
        for event in events:
            if event.event_type == FINISHED:
                self.hass.async_create_task(
                    self._fire_with_cost(event), f"lanmeter cycle {self.name}", eager_start=True
                )
            else:
                self.events.fire(event.event_type, event.attributes)
        if events:
            self._save()
        if self.running != self._shown_running:  # the Running sensor writes only a change
            self._shown_running = self.running
            self.changes.fire("running", {"running": self.running})

    async def _fire_with_cost(self, event: CycleEvent) -> None:
        attributes = dict(event.attributes)
        try:
            price = await energy_price(self.hass)
        except Exception:  # the Energy dashboard's data is not ours: never lose the event
            _LOGGER.debug("%s: no energy price for the cycle's cost", self.name, exc_info=True)
            price = None
        if price is not None:
            attributes["cost"] = round(attributes["energy_kwh"] * price[0], 2)
            attributes["currency"] = price[1]
        self.events.fire(event.event_type, attributes)

    # ----- stored with the coordinator -----------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return {"tracker": self.tracker.as_dict(), "quiet_s": self.quiet_s}

    def restore(self, stored: Any) -> None:
        if not isinstance(stored, dict):
            return
        self.tracker = load_one(
            f"{self.name} cycles", stored.get("tracker"), CycleTracker.from_dict, CycleTracker
        )
        try:
            self.quiet_s = min(MAX_QUIET_S, max(MIN_QUIET_S, float(stored["quiet_s"])))
        except (KeyError, TypeError, ValueError):
            self.quiet_s = QUIET_S
        self._publish([])  # a cycle running at the restart still finishes on time


class CycleWatches:
    """The cycle watches of one coordinator's devices, a stored part (stored_parts.py): a
    device's watch is made at its first reading with what was stored for it, and a device not
    read since the restart keeps its stored record."""

    def __init__(self, hass: HomeAssistant, save: Callable[[], None]) -> None:
        self.hass = hass
        self._save = save
        self._watches: dict[str, CycleWatch] = {}
        self._waiting = WaitingRecords()

    def watch(self, key: str, name: str) -> CycleWatch:
        """The cycles of one device (`key`: an outlet's slot, "device", an entity id)."""
        if (watch := self._watches.get(key)) is None:
            watch = self._watches[key] = CycleWatch(self.hass, name, self._save)
            if (stored := self._waiting.take(key)) is not None:
                watch.restore(stored)
        return watch

    def get(self, key: str) -> CycleWatch | None:
        """A device's watch if it has one (never makes one)."""
        return self._watches.get(key)

    def as_record(self) -> dict[str, Any]:
        return self._waiting.with_live({key: w.as_dict() for key, w in self._watches.items()})

    def load_record(self, record: dict[str, Any]) -> None:
        self._waiting.load(record)

    def shutdown(self) -> None:
        for watch in self._watches.values():
            watch.shutdown()
