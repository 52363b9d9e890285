"""Home Assistant glue for one WeMo: push through UPnP subscriptions, polling only without them.

pywemo is synchronous (urllib3): every call runs in an executor. Its subscription callbacks run
on pywemo's HTTP server thread and are handed to the event loop with call_soon_threadsafe.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
import logging
import sqlite3
import time
from typing import Any
import urllib.request
import zipfile

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util
from pywemo import (
    Insight,
    LongPressMixin,
    Switch,
    WeMoDevice,
    device_from_description,
    setup_url_for_address,
)

from ..clock_watch import ClockWatch
from ..const import CONF_SET_CLOCK, DEFAULT_SET_CLOCK, DOMAIN
from ..coordinator_base import StoredCoordinator
from ..counters import DayTotal
from ..cycle_watch import CycleWatch, CycleWatches
from ..device_clock import DeviceClock
from ..event_source import EventSource
from ..ledger import Ledger, RegisterLimits, kwh_per_s
from ..repair_issue import RepairIssue
from ..runtime import LanMeterConfigEntry
from ..stored import load_one
from .discovery import DEVICE_ERRORS
from .registry import SharedRegistry

_LOGGER = logging.getLogger(__name__)

POLL_INTERVAL = timedelta(seconds=30)
# An Insight pushes InsightParams about every 30 s while it powers something; any WeMo pushes a
# change. After this long without a push it is polled (every POLL_INTERVAL) until it pushes
# again: a device that rebooted or silently dropped its subscribers is noticed within two
# minutes instead of at pywemo's next renewal (up to 285 s), and one that is gone is shown so.
QUIET_AFTER_S = 90
PROBE_TIMEOUT_S = 3
# No live subscription this long after registering: the device cannot reach our callback port.
NO_PUSH_ISSUE_AFTER_S = 180
EVENT_LONG_PRESS = "LongPress"
# An Insight's energy register (kWh, from mW-minutes) grows at most at 15 A x 120 V; 3.68 kW
# (16 A x 230 V) covers any plug rating.
INSIGHT_REGISTER = RegisterLimits(max_per_s=3.68 / 3600, resolution=1e-6)
SAVE_DELAY_S = 60
LOG_EVERY_S = 600  # malformed pushes: logged at most this often
# An Insight that is on but under its power threshold reports BinaryState 8: "standby".
STANDBY_NAMES = {0: "off", 1: "on", 8: "standby"}

# Errors pywemo raises when a device is unreachable or answers nonsense (requests/urllib3 errors
# come wrapped as ActionException; XML parsing errors as PyWeMoException subclasses).


# What a malformed pushed value makes pywemo or snapshot() raise: the event is counted, ignored.
EVENT_ERRORS = (*DEVICE_ERRORS, KeyError, IndexError, TypeError)


@dataclass(frozen=True)
class WemoState:
    is_on: bool
    binary_state: int
    power_w: float | None = None
    today_kwh: float | None = None
    total_kwh: float | None = None  # the register as read; entities show energy_total_kwh
    on_today_s: int | None = None
    on_total_s: int | None = None  # goes back only when the device's usage restarted
    standby: str | None = None
    energy_total_kwh: float | None = None  # the register's ledger: never double, never lost
    energy_today_kwh: float | None = None  # since Home Assistant's midnight (not the device's)
    clock_offset_s: float | None = None  # the device's clock minus Home Assistant's


def snapshot(device: WeMoDevice) -> WemoState:
    """Read pywemo's cached values (no I/O)."""
    state = device.get_state()
    if not isinstance(device, Insight) or not getattr(device, "insight_params", None):
        return WemoState(bool(state), state)
    binary = int(device.insight_params.get("state", state))
    return WemoState(
        is_on=bool(state),
        binary_state=binary,
        power_w=round(device.current_power_watts, 2),
        today_kwh=round(device.today_kwh, 6),
        total_kwh=round(device.total_kwh, 6),
        on_today_s=int(device.today_on_time),
        on_total_s=int(device.insight_params["ontotal"]),
        standby=STANDBY_NAMES.get(binary, "on" if state else "off"),
    )


def device_time(device: WeMoDevice) -> float | None:
    """The device's clock from fresh InsightParams: while on, its last change plus how long it
    has been on since (unix seconds); None when off or not an Insight."""
    params = getattr(device, "insight_params", None) if isinstance(device, Insight) else None
    if not params or not params.get("onfor"):
        return None
    # pywemo parsed the field with fromtimestamp: timestamp() gives the device's seconds back.
    lastchange: datetime = params["lastchange"]
    return lastchange.timestamp() + int(params["onfor"])


def timesync_arguments(now: datetime) -> dict[str, Any]:
    """TimeSync's arguments for Home Assistant's time and zone, as WeMo clients send them: unix
    seconds, the zone's standard offset in decimal hours ("-08.00"), and its DST flags."""
    offset = now.utcoffset() or timedelta(0)
    summer = now.dst() or timedelta(0)
    hours = (offset - summer).total_seconds() / 3600
    year = now.year
    zone = now.tzinfo
    has_dst = zone is not None and any(
        (datetime(year, month, 1, tzinfo=UTC).astimezone(zone).dst() or timedelta(0))
        for month in (1, 7)
    )
    return {
        "UTC": int(now.timestamp()),
        "TimeZone": f"{'-' if hours < 0 else ''}{abs(hours):05.2f}",
        "dst": int(bool(summer)),
        "DstSupported": int(has_dst),
    }


def _on_time_restarted(before_s: int, now_s: int, read_at: float | None, at: float) -> bool:
    """Whether an on-time total restarted from zero since it was read at `read_at`: it went
    back, to no more than the time since (its whole seconds and the answer's delay allowed).
    A total that went back but not that far is a NOTIFY delivered late, out of order (an
    initial NOTIFY overtaken by the next one), not a restart."""
    if now_s >= before_s:
        return False
    return read_at is None or now_s <= max(at - read_at, 0.0) + 2


def _probe(url: str) -> None:
    """Runs in an executor: GET `url` once, with socket timeouts (seconds of real time, as the
    device answers). OSError if it does not answer 200."""
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as answer:
            answer.read()
    except (OSError, ValueError) as err:  # URLError and HTTPError are OSErrors
        raise OSError(f"no answer at {url} ({type(err).__name__}: {err})") from err


def apply_event(device: WeMoDevice, event_type: str, params: str) -> WemoState:
    """A pushed value (from a NOTIFY) into pywemo's cache, then the state (no I/O); raises one of
    EVENT_ERRORS for a malformed value."""
    device.subscription_update(event_type, params)
    return snapshot(device)


class WemoCoordinator(StoredCoordinator[WemoState]):
    def __init__(
        self,
        hass: HomeAssistant,
        entry: LanMeterConfigEntry,
        device: WeMoDevice,
        registry: SharedRegistry,
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            entry,
            name=f"WeMo {device.name}",
            storage_name="wemo_energy",
            save_delay_s=SAVE_DELAY_S,
            update_interval=POLL_INTERVAL,
        )
        self.device = device
        self.registry = registry
        self.pushes = 0
        self.polls = 0
        self.events = EventSource()  # long presses; the long-press event entity subscribes
        self.long_press_rule = "not supported"
        self._registered_at = time.monotonic()
        self._last_push_at = dt_util.utcnow().timestamp()  # Home Assistant's clock
        self._lost_push = False  # a poll found a change no push had told (logged once)
        self._no_push = RepairIssue(hass, "wemo_no_push", entry.entry_id, ir.IssueSeverity.WARNING)
        self.clock_watch = self.keep(
            "clock", ClockWatch(hass, entry.entry_id, "wemo", device.name, DeviceClock())
        )
        self.cycles = self.keep("cycles", CycleWatches(hass, self.async_schedule_save))
        self._today = DayTotal()
        self._total = Ledger()
        self._on_total_s: int | None = None  # the last on-time total read with the register

    def _restore(self, stored: dict[str, Any]) -> None:
        """The energy ledger and today's start, so a glitch or a reset across a restart is
        still caught."""
        self._total = load_one("WeMo energy total", stored.get("total"), Ledger.from_dict, Ledger)
        self._today = load_one(
            "WeMo energy today", stored.get("today"), DayTotal.from_dict, DayTotal
        )
        on_total = stored.get("on_total_s")
        self._on_total_s = on_total if isinstance(on_total, int) else None

    def _to_store(self) -> dict[str, Any]:
        return {
            "total": self._total.as_dict(),
            "today": self._today.as_dict(),
            "on_total_s": self._on_total_s,
        }

    @property
    def supports_long_press(self) -> bool:
        return isinstance(self.device, LongPressMixin) or "Lightswitch" in self.device.udn

    async def async_enable_long_press(self) -> None:
        """Make the switch's long-press rule name pywemo's virtual device (which we serve), so
        its long presses reach us. Read-modify-write of the switch's rules database; stored only
        when the rule is missing, so the user's other rules stay as they are."""
        if not isinstance(self.device, LongPressMixin):
            return
        try:
            await self.hass.async_add_executor_job(self.device.ensure_long_press_virtual_device)
        except (*DEVICE_ERRORS, sqlite3.Error, zipfile.BadZipFile) as err:
            self.long_press_rule = f"failed: {err}"
            _LOGGER.warning(
                "Could not write the long-press rule of %s (%s); its long presses reach Home "
                "Assistant only if a rule made elsewhere sends them here. Reload the entry to "
                "try again",
                self.device.name,
                err,
            )
            return
        self.long_press_rule = "set"
        await self.registry.async_enable_long_press()

    @property
    def subscribed(self) -> bool:
        # pywemo's check reads the device state, which is I/O until a first poll cached it.
        return self.data is not None and self.registry.is_subscribed(self.device)

    async def start_push(self) -> None:
        """Subscribe (pywemo renews and resubscribes by itself)."""
        await self.registry.follow(self.device, self._from_pywemo_thread)
        self._registered_at = time.monotonic()

    def _from_pywemo_thread(self, device: WeMoDevice, event_type: str, params: str) -> None:
        self.hass.loop.call_soon_threadsafe(self._push, event_type, params)

    @callback
    def _push(self, event_type: str, params: str) -> None:
        if self.data is None:
            return  # not polled yet: the first poll will bring the state
        if event_type == EVENT_LONG_PRESS:
            self.events.fire("long_press", {})
            return
        try:
            state = apply_event(self.device, event_type, params)
        except EVENT_ERRORS as err:
            if self.count_problem("malformed_event", LOG_EVERY_S):
                _LOGGER.warning(
                    "%s: ignored a malformed %s event (%s); logged at most every %d minutes, "
                    "counted in diagnostics",
                    self.name,
                    event_type,
                    err,
                    LOG_EVERY_S // 60,
                )
            return
        self.pushes += 1
        self._last_push_at = dt_util.utcnow().timestamp()
        if self._lost_push:
            self._lost_push = False
            _LOGGER.info("%s pushes its changes again", self.name)
        self._check_push_issue()
        self.async_set_updated_data(self._placed(state, fresh_params=event_type == "InsightParams"))

    @callback
    def _placed(self, state: WemoState, fresh_params: bool) -> WemoState:
        """The device's state on Home Assistant's clock: its clock tracked (from InsightParams
        just read; cached ones would look like a slow clock), today counted from Home
        Assistant's midnight, the clock set when due."""
        now = dt_util.now()
        seen = device_time(self.device) if fresh_params else None
        if seen is not None:
            self.clock_watch.observe(seen, now.timestamp())
            self._maybe_set_clock(now)
        self.clock_watch.check(now.timestamp())
        total = today = None
        if state.total_kwh is not None:
            total = self._booked_total(state, fresh_params)
            # Its clock (and so its day) is unknown until the Insight reports while on.
            own = state.today_kwh if self.clock_watch.keeps_our_day(if_unknown=False) else None
            today = round(self._today.update(now.date().isoformat(), total, own), 6)
        if state.power_w is not None:
            self.insight_cycle().add(state.power_w, now)
        return replace(
            state,
            energy_total_kwh=total,
            energy_today_kwh=today,
            clock_offset_s=self.clock_watch.offset_s,
        )

    def insight_cycle(self) -> CycleWatch:
        """The appliance cycles of what the Insight powers."""
        return self.cycles.watch("device", self.name)

    @callback
    def _booked_total(self, state: WemoState, fresh_params: bool) -> float:
        """The register through its ledger, booked only with InsightParams just read: a cached
        register stamped with a later time would look like no growth meanwhile, and the fresh
        reading after it like more than the device could have used since. An on-time total that
        went back says the usage restarted (cleared in the app, or a power cut): a fall with it
        is not a glitch, and a rise with it is all new energy."""
        assert state.total_kwh is not None  # an Insight's
        if not fresh_params:
            return round(self._total.value or 0.0, 6)
        restarted = False
        if state.on_total_s is not None:
            restarted = self._on_total_s is not None and _on_time_restarted(
                self._on_total_s,
                state.on_total_s,
                self._total.last_at,
                dt_util.utcnow().timestamp(),
            )
            self._on_total_s = state.on_total_s
        self.book(
            self._total,
            f"{self.name} energy (kWh)",
            state.total_kwh,
            INSIGHT_REGISTER,
            rate=None if state.power_w is None else kwh_per_s(state.power_w),
            restarted=restarted,
        )
        return round(self._total.value or 0.0, 6)

    @callback
    def _maybe_set_clock(self, now: datetime) -> None:
        allowed = bool(self.config_entry.options.get(CONF_SET_CLOCK, DEFAULT_SET_CLOCK))
        service = getattr(self.device, "timesync", None)
        if service is None or not self.clock_watch.claim_setting(now, allowed):
            return
        sync = partial(service.TimeSync, **timesync_arguments(now))
        self.config_entry.async_create_background_task(
            self.hass,
            self.clock_watch.async_set(
                now, lambda: self.hass.async_add_executor_job(sync), DEVICE_ERRORS
            ),
            f"lanmeter timesync {self.name}",
        )

    def _poll(self, device: WeMoDevice) -> WemoState:
        """Runs in an executor: ask the device."""
        device.get_state(force_update=True)
        if isinstance(device, Insight):
            device.update_insight_params()
        return snapshot(device)

    def _find_again(self) -> WeMoDevice | None:
        """Runs in an executor: WeMos move between ports 49151-49159; probe its host for it."""
        url = setup_url_for_address(self.device.host)
        if url is None:
            return None
        device = device_from_description(url)
        return device if device is not None and device.udn == self.device.udn else None

    async def _async_update_data(self) -> WemoState:
        self._check_push_issue()
        quiet = dt_util.utcnow().timestamp() - self._last_push_at > QUIET_AFTER_S
        if self.data is not None and self.subscribed and self.last_update_success and not quiet:
            return self.data  # push keeps it current: no request while it pushes
        self.polls += 1
        try:
            try:
                if self.data is None or quiet or not self.last_update_success:
                    await self._probe()
                state = await self.hass.async_add_executor_job(self._poll, self.device)
                if quiet:
                    await self._check_missed_push(state)
                return self._placed(state, fresh_params=True)
            except DEVICE_ERRORS:
                moved = await self.hass.async_add_executor_job(self._find_again)
                if moved is None or moved.port == self.device.port:
                    raise
                _LOGGER.info("%s moved to port %s", self.device.name, moved.port)
                await self.registry.forget(self.device)
                self.device = moved
                # Poll before subscribing, so pushes find its state cached (no I/O here).
                state = await self.hass.async_add_executor_job(self._poll, moved)
                await self.start_push()
                return self._placed(state, fresh_params=True)
        except DEVICE_ERRORS as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wemo_unreachable",
                translation_placeholders={"name": self.device.name, "error": str(err)},
            ) from err

    async def _probe(self) -> None:
        """One quick request before polling a device not known to answer (at the first poll,
        when it is quiet, after a failed poll): a WeMo that is gone fails it at once, where
        pywemo's own calls retry gently for about a minute (and would hold an executor thread
        each interval). OSError if it does not answer."""
        url = f"http://{self.device.host}:{self.device.port}/setup.xml"
        await self.hass.async_add_executor_job(_probe, url)

    async def _check_missed_push(self, polled: WemoState) -> None:
        """A quiet device polled: if it changed without pushing, its subscription is gone
        (it restarted, or dropped its subscribers): say so once and subscribe again."""
        before = self.data
        if before is None:
            return
        changed = (polled.binary_state, polled.total_kwh, polled.on_total_s) != (
            before.binary_state,
            before.total_kwh,
            before.on_total_s,
        )
        if not changed or self._lost_push:
            return
        self._lost_push = True
        _LOGGER.warning(
            "%s changed without pushing it to Home Assistant for %d s (it restarted, or dropped "
            "its subscription): polling it every %d s and subscribing again",
            self.name,
            dt_util.utcnow().timestamp() - self._last_push_at,
            POLL_INTERVAL.total_seconds(),
        )
        await self.registry.forget(self.device)
        await self.start_push()

    def _check_push_issue(self) -> None:
        """Every subscription starts with a NOTIFY: none at all means the device cannot reach
        our callback port. (pywemo's own is_subscribed is False for any Insight that is off, so
        it cannot tell this.)"""
        if self.pushes:
            self._no_push.async_clear()
            return
        if time.monotonic() - self._registered_at > NO_PUSH_ISSUE_AFTER_S:
            self._no_push.async_raise({"name": self.device.name, "port": str(self.registry.port)})

    async def async_set_on(self, on: bool) -> None:
        if not isinstance(self.device, Switch):  # every model LAN Meter takes is one
            raise HomeAssistantError(f"{self.device.name} cannot be switched")
        try:
            await self.hass.async_add_executor_job(self.device.on if on else self.device.off)
        except DEVICE_ERRORS as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="wemo_switch_failed",
                translation_placeholders={"name": self.device.name, "error": str(err)},
            ) from err
        # pywemo cached the confirmed state; show it now rather than at the next NOTIFY.
        self.async_set_updated_data(self._placed(snapshot(self.device), fresh_params=False))

    def diagnostics(self) -> dict[str, Any]:
        return {
            "model": type(self.device).__name__,
            "host": self.device.host,
            "port": self.device.port,
            "subscribed": self.subscribed,
            "pushes": self.pushes,
            "polls": self.polls,
            "ignored_events": self.problems.counts["malformed_event"],
            "callback_port": self.registry.port,
            "long_press_rule": self.long_press_rule,
            "state": self.data.__dict__ if self.data else None,
            "register": self._total.counts(),
            "ignored": dict(self.counters),
            "clock": self.clock_watch.diagnostics(),
        }
