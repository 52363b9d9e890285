"""The simulators' clocks: "now" is the test's, never the machine's.

The true time is Home Assistant's clock in Home Assistant's time zone (tests run in US/Pacific
while the machine runs in UTC; `freezer` moves it), or whatever the caller passes (the demo: the
wall clock in the demo's zone). A device keeps its own clock on top of it, which may be wrong:
hours ahead, a day behind, back at 1970 after a reboot without NTP, or in another zone. What the
device reports (Kasa's daystat dates and get_time, Flume's sample stamps, WeMo's counters) comes
from its own clock; energy and water accumulate over the true time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import datetime as dt

Now = Callable[[], dt.datetime]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def home_assistant_now() -> dt.datetime:
    """Home Assistant's clock, aware, in its configured zone (what tests control)."""
    from homeassistant.util import dt as dt_util

    return dt_util.now()


@dataclass
class DeviceClock:
    """One device's clock: the true time plus the device's error, shown in the device's zone."""

    true_now: Now = home_assistant_now
    error: dt.timedelta = dt.timedelta(0)
    zone: dt.tzinfo | None = None  # None: the true clock's zone (a correctly set device)

    def now(self) -> dt.datetime:
        """What the device believes it is, aware, in its own zone."""
        true = self.true_now()
        if self.zone is not None:
            true = true.astimezone(self.zone)
        return true + self.error

    def today(self) -> dt.date:
        return self.now().date()

    def timestamp(self) -> float:
        """The device's unix seconds (what Flume samples and WeMo counters carry)."""
        return self.true_now().timestamp() + self.error.total_seconds()

    def true_timestamp(self) -> float:
        return self.true_now().timestamp()

    def set_wall(self, wall: dt.datetime, zone: dt.tzinfo | None = None) -> None:
        """The device is told its local time (and zone): a Kasa set_time / set_timezone."""
        if zone is not None:
            self.zone = zone
        true = self.true_now()
        if self.zone is not None:
            true = true.astimezone(self.zone)
        self.error = wall.replace(tzinfo=None) - true.replace(tzinfo=None)

    def set_timestamp(self, unix_s: float) -> None:
        """The device is told the unix time (a WeMo TimeSync, an NTP answer)."""
        self.error = dt.timedelta(seconds=unix_s - self.true_now().timestamp())

    def reboot_to_epoch(self) -> None:
        """A device without NTP after a power cut: its clock starts again at 1970."""
        self.error = EPOCH - self.true_now()
