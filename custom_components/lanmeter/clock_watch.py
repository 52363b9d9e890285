"""A device's clock as the user sees it: a log line when it jumps, the *Clock offset* sensor's
value, and a repair issue while it has been wrong for more than an hour (device_clock.py holds
the policy; this is the Home Assistant side, shared by every kind)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
import logging
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .device_clock import WRONG_AFTER_S, WRONG_FOR_S, ClockJump, ClockSetting, DeviceClock
from .repair_issue import RepairIssue
from .stored import load_one

_LOGGER = logging.getLogger(__name__)

# The time servers each kind asks, where they are known: the repair issue names them, so a
# user can answer them from the router (DNS override) instead of letting them out.
NTP_HOSTNAMES = {
    "glow": "*.pool.ntp.org",
    "wemo": "*.openwrt.pool.ntp.org",
}
UNKNOWN_HOSTNAMES = "the time servers your router's DNS log shows it asking for"


def describe_offset(offset_s: float) -> str:
    """'2.0 hours ahead', '56 years behind': how far a clock is off, in words."""
    size = abs(offset_s)
    direction = "ahead" if offset_s > 0 else "behind"
    for unit, seconds in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600)):
        if size >= 2 * seconds:
            return f"{size / seconds:.1f} {unit} {direction}"
    return f"{size / 60:.0f} minutes {direction}"


class ClockWatch:
    """One device's clock: observed through DeviceClock, shown, and reported when wrong."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, kind: str, device: str, clock: DeviceClock
    ) -> None:
        self.clock = clock
        self.setting = ClockSetting()  # when LAN Meter last set the device's clock
        self.device = device
        self.hostnames = NTP_HOSTNAMES.get(kind, UNKNOWN_HOSTNAMES)
        self._issue = RepairIssue(
            hass, "device_clock_wrong", entry_id, severity=ir.IssueSeverity.WARNING
        )

    @property
    def offset_s(self) -> float | None:
        """Device time minus Home Assistant's, whole seconds (the Clock offset sensor)."""
        offset = self.clock.offset_s
        return None if offset is None else round(offset)

    def keeps_our_day(self, if_unknown: bool) -> bool:
        """The device's own "today" is Home Assistant's: its clock is right (within
        WRONG_AFTER_S); `if_unknown` when it was never read."""
        offset = self.clock.offset_s
        return if_unknown if offset is None else abs(offset) <= WRONG_AFTER_S

    # ----- a stored part (stored_parts.py) ---------------------------------------------------

    def as_record(self) -> dict[str, Any]:
        return {"tracker": self.clock.as_dict(), "setting": self.setting.as_dict()}

    def load_record(self, record: dict[str, Any]) -> None:
        """The tracker and the setting load on their own: a broken one starts afresh alone."""
        what = f"{self.device} clock"
        self.clock = load_one(what, record.get("tracker"), DeviceClock.from_dict, DeviceClock)
        self.setting = load_one(
            f"{what} setting", record.get("setting"), ClockSetting.from_dict, ClockSetting
        )

    def shutdown(self) -> None:
        """Nothing runs on its own (the repair issue stays raised across a restart)."""

    def diagnostics(self) -> dict[str, Any]:
        return {"offset_s": self.offset_s, **self.as_record()}

    @callback
    def retire(self) -> None:
        """The device is gone (deleted): its repair issue goes too."""
        self._issue.async_clear()

    def forget(self) -> None:
        """Start over (LAN Meter just set the device's clock): the next reading is the new
        offset, with nothing to confirm."""
        self.clock = DeviceClock()

    @callback
    def observe(self, device_s: float, arrival_s: float) -> ClockJump | None:
        jump = self.clock.observe(device_s, arrival_s)
        if jump is not None:
            _LOGGER.info(
                "%s: its clock %s (now %s); its readings are placed on Home Assistant's clock, "
                "nothing is lost",
                self.device,
                jump.describe(),
                describe_offset(jump.new_offset_s),
            )
        self.check(arrival_s)
        return jump

    @callback
    def check(self, now_s: float) -> None:
        """Raise the repair issue once the clock has been wrong for an hour; clear it when
        right."""
        offset = self.clock.offset_s
        if offset is not None and self.clock.wrong_for_s(now_s) >= WRONG_FOR_S:
            if not self._issue.raised:
                _LOGGER.warning(
                    "%s: its clock is %s; LAN Meter places its readings right anyway. Give it "
                    "time: hand out an NTP server by DHCP (option 42) or answer %s from your "
                    "router",
                    self.device,
                    describe_offset(offset),
                    self.hostnames,
                )
            self._issue.async_raise(
                {
                    "device": self.device,
                    "offset": describe_offset(offset),
                    "hostnames": self.hostnames,
                }
            )
        elif self.clock.wrong_for_s(now_s) == 0 and self._issue.async_clear():
            _LOGGER.info("%s: its clock is right again", self.device)

    def claim_setting(self, now: datetime, allowed: bool) -> bool:
        """Set the device's clock now? (the entry allows it, it is off by more than 2 minutes,
        and it was not tried today). True claims today's attempt: call async_set next."""
        if not allowed or not self.setting.due(self.clock.offset_s, now.timestamp()):
            return False
        self.setting.claim(now.timestamp())
        return True

    async def async_set(
        self,
        now: datetime,
        set_clock: Callable[[], Awaitable[object]],
        errors: tuple[type[Exception], ...],
    ) -> bool:
        """Set the device's clock with `set_clock` (after claim_setting); a refusal is logged
        the first time, then only in debug. True if the device took it."""
        offset = describe_offset(self.clock.offset_s or 0.0)
        try:
            await set_clock()
        except errors as err:
            self.setting.answered(accepted=False)
            log = _LOGGER.warning if self.setting.refusals == 1 else _LOGGER.debug
            log("%s: its clock (%s) could not be set (%s); LAN Meter tries again tomorrow",
                self.device, offset, err)  # fmt: skip
            return False
        self.setting.answered(accepted=True)
        _LOGGER.info("%s: set its clock to Home Assistant's (it was %s)", self.device, offset)
        self.forget()
        return True
