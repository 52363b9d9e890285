"""What LAN Meter's coordinators share, written once.

StoredCoordinator: state that must survive restarts (energy offsets, pulse counters, Always On
history) in one Store per entry, with the stored parts its capabilities registered
(stored_parts.py: the device clock, the cycle watches): loaded at setup, written at once when
a register books energy or changes course (a house power cut stops Home Assistant without an
unload: what was not written is lost), within a fixed period after any other change, and at
unload; plus counters
of ignored input that log the first time (or once per interval), so a hostile or broken sender
cannot flood the log. Kasa's coordinator is one.

PushCoordinator: a StoredCoordinator fed by pushes (MQTT messages, HTTPS uploads, state
changes) instead of polls: no update interval, and a timer of its own to notice silence. Flume,
Glow and the home view are these.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .ledger import Ledger, RegisterLimits, Verdict
from .problems import Problems
from .runtime import LanMeterConfigEntry
from .stored_parts import PARTS_KEY, StoredPart, StoredParts

STORAGE_VERSION = 1
# A register's glitches, resets and new baselines are logged at most this often (per register).
LEDGER_LOG_EVERY_S = 3600.0


class StoredCoordinator[T](DataUpdateCoordinator[T]):
    """A coordinator with stored state and log-once problem counters."""

    config_entry: LanMeterConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        logger: logging.Logger,
        entry: LanMeterConfigEntry,
        *,
        name: str,
        storage_name: str,
        save_delay_s: float,
        update_interval: timedelta | None = None,
    ) -> None:
        super().__init__(
            hass, logger, config_entry=entry, name=name, update_interval=update_interval
        )
        self.problems = Problems()
        self._save_delay_s = save_delay_s
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{storage_name}.{entry.entry_id}"
        )
        self.parts = StoredParts(name)
        self._write_due: float | None = None  # loop time of the write already scheduled

    # ----- stored state ---------------------------------------------------------------------

    async def async_restore(self) -> None:
        """Take back what was stored last time (at setup, before the first reading): each
        record of it checked on its own (stored.py), a missing or broken one starting afresh."""
        stored = await self._store.async_load()
        stored = dict(stored) if isinstance(stored, dict) else {}
        self.parts.load(stored)
        self._restore(stored)

    def _restore(self, stored: dict[str, Any]) -> None:
        """The kind's part of async_restore: its state from the stored dict."""
        raise NotImplementedError

    def _to_store(self) -> dict[str, Any]:
        """The state to keep across restarts."""
        raise NotImplementedError

    def keep[P: StoredPart](self, key: str, part: P) -> P:
        """Store this capability's part with the coordinator's state (stored_parts.py)."""
        return self.parts.add(key, part)

    def _stored_state(self) -> dict[str, Any]:
        state = self._to_store()
        if parts := self.parts.records():
            state[PARTS_KEY] = parts
        return state

    def _state_to_write(self) -> dict[str, Any]:
        """What the Store writes, taken when it writes (so it is the newest)."""
        self._write_due = None
        return self._stored_state()

    @callback
    def async_schedule_save(self, delay_s: float | None = None) -> None:
        """Write within `delay_s` (default: the kind's period). A write already scheduled
        earlier takes this change too and is never postponed: Store.async_delay_save alone is a
        debounce, which readings every few seconds would postpone until the next clean stop."""
        delay = self._save_delay_s if delay_s is None else delay_s
        due = self.hass.loop.time() + delay
        if self._write_due is not None and self._write_due <= due:
            return
        self._write_due = due
        self._store.async_delay_save(self._state_to_write, delay)

    async def async_save_now(self) -> None:
        await self._store.async_save(self._state_to_write())

    async def async_shutdown(self) -> None:
        """Stop, and keep the latest state (a delayed save would be lost at unload)."""
        self.parts.shutdown()
        await super().async_shutdown()
        await self.async_save_now()

    # ----- problems -------------------------------------------------------------------------

    def count_problem(self, kind: str, log_every_s: float | None = None) -> bool:
        """Count one ignored input of this kind; True when it should be logged now: the first
        time, then (with log_every_s) at most once per that many seconds."""
        return self.problems.count(kind, log_every_s)

    @property
    def counters(self) -> dict[str, int]:
        """What was ignored or held back so far, per kind (for diagnostics)."""
        return dict(self.problems.counts)

    # ----- cumulative registers -------------------------------------------------------------

    def book(
        self,
        ledger: Ledger,
        what: str,
        raw: float,
        limits: RegisterLimits,
        *,
        rate: float | None = None,
        restarted: bool = False,
        at: float | None = None,
    ) -> Verdict:
        """Book one register reading at `at` (default: now on Home Assistant's clock; see
        ledger.py), store the ledger, and say what happened to the user: glitches, resets
        and new baselines are logged (at most hourly per register) and counted; held-back
        readings are counted.

        The store is written at once when the reading moved the booked register, started or
        settled a held run, or was the register's first: after a house power cut (Home
        Assistant and the device down together, no unload) the ledger must know the register
        as last read, or the energy since its last write is lost. A reading that changed
        nothing but its time waits for the kind's period."""
        booked, held_from = ledger.value, ledger.held_first_raw
        before = (ledger.last_raw, ledger.held_count)
        if at is None:
            at = dt_util.utcnow().timestamp()
        verdict = ledger.update(raw, at, limits, rate=rate, restarted=restarted)
        changed = (ledger.last_raw, ledger.held_count) != before or verdict is not Verdict.BOOKED
        self.async_schedule_save(0 if changed else None)
        if verdict is Verdict.BOOKED:
            return verdict
        self.problems.counts[f"register_{verdict}"] += 1
        if verdict is Verdict.HELD:
            self.logger.debug(
                "%s: held back %g (booked: %s) until the next readings", what, raw, booked
            )
            return verdict
        if not self.problems.log_due(f"ledger_{verdict}_{what}", LEDGER_LOG_EVERY_S):
            return verdict
        if verdict is Verdict.GLITCH:
            self.logger.warning(
                "%s: ignored a reading of %g that its next reading contradicted (the register "
                "stands at %g); nothing was booked for it. Logged at most hourly",
                what,
                held_from,
                raw,
            )
        elif verdict is Verdict.RESET:
            self.logger.warning(
                "%s: the register restarted from zero (a power cut, or its usage was cleared); "
                "the %g counted since is added to the total, which is now %g",
                what,
                raw,
                ledger.value,
            )
        else:
            self.logger.warning(
                "%s: the register moved from %s to %g and stayed there (a meter exchanged, or "
                "set by its app); the total continues from the new level without the step",
                what,
                booked,
                held_from,
            )
        return verdict


class PushCoordinator[T](StoredCoordinator[T]):
    """A stored coordinator that devices push to (no update interval: `async_set_updated_data`
    publishes each push). From its restore until the entry unloads, `_check_silence` runs every
    `silence_check_every` (to notice a device gone silent), if the kind sets one."""

    silence_check_every: timedelta | None = None

    async def async_restore(self) -> None:
        await super().async_restore()
        if self.silence_check_every is not None:
            self.config_entry.async_on_unload(
                async_track_time_interval(self.hass, self._check_silence, self.silence_check_every)
            )

    @callback
    def _check_silence(self, now: datetime) -> None:
        """Mark what has not reported for too long as gone (the kind's rule)."""
