"""Home Assistant glue for one WeMo: push through UPnP subscriptions, polling only without them.

pywemo is synchronous (urllib3): every call runs in an executor. Its subscription callbacks run
on pywemo's HTTP server thread and are handed to the event loop with call_soon_threadsafe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import logging
import sqlite3
import time
from typing import Any
import zipfile

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from pywemo import (
    Insight,
    LongPressMixin,
    Switch,
    WeMoDevice,
    device_from_description,
    setup_url_for_address,
)

from ..const import DOMAIN
from ..event_source import EventSource
from ..repair_issue import RepairIssue
from ..runtime import LanMeterConfigEntry
from .discovery import DEVICE_ERRORS
from .registry import SharedRegistry

_LOGGER = logging.getLogger(__name__)

POLL_INTERVAL = timedelta(seconds=30)
# No live subscription this long after registering: the device cannot reach our callback port.
NO_PUSH_ISSUE_AFTER_S = 180
EVENT_LONG_PRESS = "LongPress"
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
    total_kwh: float | None = None
    on_today_s: int | None = None
    standby: str | None = None


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
        standby=STANDBY_NAMES.get(binary, "on" if state else "off"),
    )


def apply_event(device: WeMoDevice, event_type: str, params: str) -> WemoState:
    """A pushed value (from a NOTIFY) into pywemo's cache, then the state (no I/O); raises one of
    EVENT_ERRORS for a malformed value."""
    device.subscription_update(event_type, params)
    return snapshot(device)


class WemoCoordinator(DataUpdateCoordinator[WemoState]):
    config_entry: LanMeterConfigEntry

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
            config_entry=entry,
            name=f"WeMo {device.name}",
            update_interval=POLL_INTERVAL,
        )
        self.device = device
        self.registry = registry
        self.pushes = 0
        self.polls = 0
        self.bad_events = 0
        self.events = EventSource()  # long presses; the long-press event entity subscribes
        self.long_press_rule = "not supported"
        self._registered_at = time.monotonic()
        self._no_push = RepairIssue(hass, "wemo_no_push", entry.entry_id, ir.IssueSeverity.WARNING)

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
            self.bad_events += 1
            _LOGGER.debug("Ignored a malformed %s event from %s: %s", event_type, self.name, err)
            return
        self.pushes += 1
        self._check_push_issue()
        self.async_set_updated_data(state)

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
        if self.data is not None and self.subscribed and self.last_update_success:
            return self.data  # push keeps it current: no request while subscribed
        self.polls += 1
        try:
            try:
                return await self.hass.async_add_executor_job(self._poll, self.device)
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
                return state
        except DEVICE_ERRORS as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wemo_unreachable",
                translation_placeholders={"name": self.device.name, "error": str(err)},
            ) from err

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
        self.async_set_updated_data(snapshot(self.device))

    def diagnostics(self) -> dict[str, Any]:
        return {
            "model": type(self.device).__name__,
            "host": self.device.host,
            "port": self.device.port,
            "subscribed": self.subscribed,
            "pushes": self.pushes,
            "polls": self.polls,
            "ignored_events": self.bad_events,
            "callback_port": self.registry.port,
            "long_press_rule": self.long_press_rule,
            "state": self.data.__dict__ if self.data else None,
        }
