"""Home Assistant glue for one Kasa strip or plug: polling, switching, energy that never drops."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import EVENT_LOGBOOK_ENTRY
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ..clock_watch import ClockWatch
from ..const import CONF_SET_CLOCK, DEFAULT_SET_CLOCK, DOMAIN
from ..coordinator_base import StoredCoordinator
from ..counters import DayTotal
from ..cycle_watch import CycleWatch, CycleWatches
from ..device_clock import DeviceClock
from ..firmware_record import FirmwareRecord
from ..ledger import Ledger, RegisterLimits, kwh_per_s
from ..repair_issue import RepairIssue
from ..runtime import LanMeterConfigEntry
from ..stored import load_each
from .access_watch import AccessWatch
from .client import KasaAuthError, KasaConnectionError, KasaStripClient, StripReading
from .const import CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S
from .readings import CloudState, DeviceTime, KasaAnswerError
from .restart import OutletEvidence, powered_up_at, register_restarted

_LOGGER = logging.getLogger(__name__)

# A register that booked energy is written at once (coordinator_base.book); this period covers
# the rest (the strip's clock, readings that only moved the time).
STORAGE_SAVE_DELAY_S = 60
# A KLAP handshake can fail once (a proof garbled, the strip busy rotating its session): only
# this many refusals in a row ask the user for the account again, as core integrations do.
AUTH_FAILURES_FOR_REAUTH = 3
# The strip's own clock is read at setup and then hourly (one request), and again at the next
# poll after a jump (to confirm it) or after LAN Meter set it.
TIME_READ_EVERY = timedelta(hours=1)
# An outlet's register (kWh, to the Wh) grows at most at 16 A x 230 V, the largest rating of
# any Kasa plug or strip (the HS300 and KP115 are 15 A x 120 V).
OUTLET_REGISTER = RegisterLimits(max_per_s=3.68 / 3600, resolution=0.001)


@dataclass(frozen=True)
class KasaState:
    """What the entities read: the last poll and each outlet's booked energy total. A new state
    is published for every change (never this one mutated)."""

    reading: StripReading
    energy_total_kwh: list[float | None]
    energy_today_kwh: list[float | None]  # since Home Assistant's midnight
    clock_offset_s: float | None  # the strip's wall clock minus Home Assistant's
    cloud: CloudState | None = None  # as last read (hourly, with the clock)


class KasaCoordinator(StoredCoordinator[KasaState]):
    """Reads the strip when the poll clock says so; switches outlets and shows the result at
    once."""

    config_entry: LanMeterConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: LanMeterConfigEntry, client: KasaStripClient
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            entry,
            name=f"Kasa {client.host}:{client.port}",
            storage_name="kasa_energy",
            save_delay_s=STORAGE_SAVE_DELAY_S,
            # No timer of its own: the shared KasaPollClock polls all strips of an interval
            # together (see poll_clock.py).
            update_interval=None,
        )
        self.client = client
        self._totals: dict[int, Ledger] = {}
        self._days: dict[int, DayTotal] = {}
        self.clock_watch = self.keep(
            "clock", ClockWatch(hass, entry.entry_id, "kasa", entry.title, DeviceClock())
        )
        self.cycles = self.keep("cycles", CycleWatches(hass, self.async_schedule_save))
        self.firmware = self.keep("firmware", FirmwareRecord())
        self._time_due: datetime | None = None  # None: read the strip's clock at the next poll
        self._timezone_index: int | None = None
        # Not before the meter's history was imported with the offset its records were dated by.
        self._may_set_clock = False
        # Another device answers at the strip's address (a DHCP lease moved).
        self._other_device = RepairIssue(hass, "kasa_other_device", entry.entry_id)
        # A firmware update that changed how the strip talks (port 9999 closed, KLAP or TPAP).
        self._access = AccessWatch(hass, entry, client)
        self._auth_failures = 0  # KLAP refusals in a row
        self._cloud: CloudState | None = None
        # A SMART plug's zone minus Home Assistant's (IOT strips keep no zone: 0).
        self._zone_gap = timedelta(0)

    def _restore(self, stored: dict[str, Any]) -> None:
        """The registers' ledgers, so a reset while Home Assistant was down is caught."""
        totals = load_each(
            "Kasa energy total",
            stored.get("totals"),
            lambda slot, value: (int(slot), Ledger.from_dict(value)),
        )
        self._totals = dict(totals.values())
        days = load_each(
            "Kasa energy today",
            stored.get("days"),
            lambda slot, value: (int(slot), DayTotal.from_dict(value)),
        )
        self._days = dict(days.values())

    def _to_store(self) -> dict[str, Any]:
        return {
            "totals": {str(slot): total.as_dict() for slot, total in self._totals.items()},
            "days": {str(slot): day.as_dict() for slot, day in self._days.items()},
        }

    # ----- the strip's clock -----------------------------------------------------------------

    def clock_offset(self) -> timedelta:
        """The strip's wall clock minus Home Assistant's (0 until read, or without a clock): its
        records are dated by it. A SMART plug's own zone counts here (its midnight falls there),
        though its clock is judged by the instant alone."""
        offset = self.clock_watch.clock.offset_s
        return timedelta(seconds=offset or 0.0) + self._zone_gap

    def strip_date(self, now: datetime) -> date:
        """The strip's own date at Home Assistant's `now` (its records are dated by it)."""
        return (now.replace(tzinfo=None) + self.clock_offset()).date()

    def allow_setting_clock(self) -> None:
        if not self._may_set_clock:
            self._may_set_clock = True
            self._time_due = None  # at the next poll

    def outlet_cycle(self, slot: int) -> CycleWatch:
        """The appliance cycles of a metered outlet."""
        return self.cycles.watch(str(slot), f"{self.name} outlet {slot + 1}")

    def register_diagnostics(self) -> dict[str, Any]:
        """Per outlet: its ledger's counts (held back, glitches, resets, new baselines)."""
        return {
            "counts": dict(self.counters),
            "outlets": {slot: total.counts() for slot, total in sorted(self._totals.items())},
        }

    def clock_diagnostics(self) -> dict[str, Any]:
        return {**self.clock_watch.diagnostics(), "timezone_index": self._timezone_index}

    def _clock_due(self, now: datetime) -> bool:
        return self._time_due is None or now >= self._time_due

    async def _async_track_clock(self, now: datetime, strip: DeviceTime | None) -> None:
        """Take the strip's clock read with this poll; set it when it is off and allowed."""
        self._time_due = now + TIME_READ_EVERY
        if strip is None:
            return  # no clock on this model, or a bad answer: its readings do not need one
        self._timezone_index = strip.timezone_index
        if strip.utc_offset_min is not None:
            self._zone_gap = timedelta(minutes=strip.utc_offset_min) - (
                now.utcoffset() or timedelta(0)
            )
        clock = self.clock_watch.clock
        self.clock_watch.observe(_wall_seconds(_in_our_zone(strip, now)), _wall_seconds(now))
        if clock.pending_offset_s is not None:
            self._time_due = None  # a jump back: confirmed by the next poll's reading
        await self._async_set_clock(now)

    async def _async_set_clock(self, now: datetime) -> None:
        allowed = self._may_set_clock and bool(
            self.config_entry.options.get(CONF_SET_CLOCK, DEFAULT_SET_CLOCK)
        )
        if not self.clock_watch.claim_setting(now, allowed):
            return
        if await self.clock_watch.async_set(
            now,
            lambda: self.client.set_time(now, self._timezone_index),
            (KasaConnectionError, KasaAnswerError, KasaAuthError),
        ):
            self._time_due = None  # read it back at the next poll
        self.async_schedule_save()

    async def _async_update_data(self) -> KasaState:
        now = dt_util.now()
        read_time = self._clock_due(now)
        try:
            reading = await self.client.poll(read_time=read_time)
        except KasaAuthError as err:
            self._auth_failures += 1
            # Never read, and no account stored (a strip the entry followed to KLAP): there is
            # no account to retry with.
            no_account = self.client.credentials is None and self.data is None
            if no_account or self._auth_failures >= AUTH_FAILURES_FOR_REAUTH:
                # The Kasa account's password changed: Home Assistant starts the reauth flow.
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN,
                    translation_key="kasa_auth_failed",
                    translation_placeholders={"where": self.name},
                ) from err
            self.client.stats.failed_polls += 1
            self.client.stats.last_error = str(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="kasa_unreachable",
                translation_placeholders={"where": self.name, "error": str(err)},
            ) from err
        except (KasaConnectionError, KasaAnswerError) as err:
            self.client.stats.failed_polls += 1
            self.client.stats.last_error = str(err)
            self._access.unreachable()
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="kasa_unreachable",
                translation_placeholders={"where": self.name, "error": str(err)},
            ) from err
        self._check_identity(reading)
        self._account_works()
        self._access.reachable()
        self._note_firmware(reading, now)
        if read_time:
            await self._async_track_clock(now, reading.time)
        self.clock_watch.check(_wall_seconds(now))  # an hour wrong shows without another read
        totals: list[float | None] = []
        evidence = self._restart_evidence(reading)
        powered_up = powered_up_at(evidence, now.timestamp())
        for slot, outlet in enumerate(reading.outlets):
            if outlet.realtime is None:
                total = self._totals.get(slot)
                totals.append(total.value if total else None)
                continue
            total = self._totals.setdefault(slot, Ledger())
            restarted = outlet.register_restarted or (
                powered_up is not None
                and register_restarted(evidence[slot], powered_up, now.timestamp(), OUTLET_REGISTER)
            )
            what = f"{self.name} outlet {reading.info.outlets[slot].alias!r} energy (kWh)"
            if outlet.closing_kwh is not None:  # the register's final count, before its reset
                self.book(total, what, outlet.closing_kwh, OUTLET_REGISTER)
            self.book(
                total,
                what,
                outlet.realtime.total_kwh,
                OUTLET_REGISTER,
                rate=kwh_per_s(outlet.realtime.power_w),
                restarted=restarted,
            )
            totals.append(None if total.value is None else round(total.value, 3))
            self.outlet_cycle(slot).add(outlet.realtime.power_w, now)
        today = await self._energy_today(now, reading, totals)
        if reading.cloud is not None:
            self._cloud = reading.cloud
        return KasaState(reading, totals, today, self.clock_watch.offset_s, self._cloud)

    def _note_firmware(self, reading: StripReading, now: datetime) -> None:
        """Keep the firmware on record; a change is logged once, in the log and the logbook."""
        connection = self.client.connection
        access = connection.encryption_type.value
        if connection.login_version:
            access += f" v{connection.login_version}"
        info = reading.info
        first = self.firmware.current is None
        before = self.firmware.observe(info.sw_ver, info.hw_ver, access, now.isoformat())
        if first:
            self.async_schedule_save()
        if before is None:
            return
        message = (
            f"firmware changed from {before.firmware} ({before.access}) to {info.sw_ver} ({access})"
        )
        _LOGGER.warning("%s: %s", self.config_entry.title, message)
        self.hass.bus.async_fire(
            EVENT_LOGBOOK_ENTRY, {"name": self.config_entry.title, "message": message,
                                  "domain": DOMAIN},
        )  # fmt: skip
        self.async_schedule_save()

    def _account_works(self) -> None:
        """A poll went through: the account is right. A reauth flow that refusals started is
        closed (the user is not asked for a password that never changed)."""
        if not self._auth_failures:
            return
        self._auth_failures = 0
        for flow in self.config_entry.async_get_active_flows(self.hass, {SOURCE_REAUTH}):
            self.hass.config_entries.flow.async_abort(flow["flow_id"])
            _LOGGER.info(
                "%s: the Kasa account works again; the request for it is closed", self.name
            )

    def _restart_evidence(self, reading: StripReading) -> list[OutletEvidence]:
        """Each outlet's relay and register beside its ledger (restart.py decides)."""
        evidence = []
        for slot, (info, outlet) in enumerate(
            zip(reading.info.outlets, reading.outlets, strict=True)
        ):
            ledger = self._totals.get(slot) or Ledger()
            realtime = outlet.realtime
            evidence.append(
                OutletEvidence(
                    is_on=info.is_on,
                    on_time_s=info.on_time_s,
                    register_kwh=None if realtime is None else realtime.total_kwh,
                    power_w=None if realtime is None else realtime.power_w,
                    booked_kwh=ledger.last_raw,
                    booked_at=ledger.last_at,
                )
            )
        return evidence

    async def _energy_today(
        self, now: datetime, reading: StripReading, totals: list[float | None]
    ) -> list[float | None]:
        """Each outlet's energy since Home Assistant's midnight, from its total: the strip's
        own "today" resets at its midnight, right only when its clock is. Its own count is
        asked only when a day starts (setup, a restart, midnight): one request per outlet a
        day, which covers the part of the day before Home Assistant read it."""
        # A strip whose clock is unknown (a model without one) keeps its day as it always did.
        trusted = self.clock_watch.keeps_our_day(if_unknown=True)
        day = now.date().isoformat()
        today: list[float | None] = []
        for slot, (outlet, total) in enumerate(zip(reading.outlets, totals, strict=True)):
            if total is None:
                today.append(None)
                continue
            counter = self._days.setdefault(slot, DayTotal())
            own = None
            if trusted and outlet.realtime is not None and counter.starts_anew(day):
                own = await self._strip_count(reading.info.outlets[slot].child_id, now)
            today.append(round(counter.update(day, total, own), 3))
        return today

    async def _strip_count(self, child_id: str | None, now: datetime) -> float | None:
        """The outlet's own count for today (None if the strip does not say: the day then
        starts from this reading)."""
        try:
            return await self.client.day_count(child_id, self.strip_date(now))
        except (KasaConnectionError, KasaAuthError) as err:
            self.logger.debug("%s: no count for today from the strip: %s", self.name, err)
            return None

    def _check_identity(self, reading: StripReading) -> None:
        """The entry's strip, or UpdateFailed and a repair issue: a DHCP lease can hand its
        address to another device, whose energy must never be mixed into this strip's totals."""
        expected = self.config_entry.unique_id
        found = format_mac(reading.info.mac)
        if expected is None or found == expected:
            if self._other_device.async_clear():
                _LOGGER.info("%s: the strip answers at its address again", self.name)
            return
        self.client.stats.failed_polls += 1
        placeholders = {"where": self.name, "expected": expected, "found": found}
        self._other_device.async_raise(placeholders)
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="kasa_other_device",
            translation_placeholders=placeholders,
        )

    async def _switch(self, action: Awaitable[None]) -> None:
        """Send one setting; HomeAssistantError unless the device confirms it."""
        try:
            await action
        except (KasaConnectionError, KasaAnswerError, KasaAuthError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="kasa_switch_failed",
                translation_placeholders={"where": self.name, "error": str(err)},
            ) from err

    async def async_set_outlet(self, slot: int | None, on: bool) -> None:
        """Switch an outlet (slot None: the LED), then show the confirmed state immediately."""
        if slot is None:
            await self._switch(self.client.set_led(on))
        else:
            child_id = self.data.reading.info.outlets[slot].child_id
            await self._switch(self.client.set_outlet(child_id, on))
        # The strip confirmed (err_code 0): reflect it now rather than at the next poll, then
        # poll right away for the new power.
        reading = self.data.reading
        if slot is None:
            reading = replace(reading, info=replace(reading.info, led_on=on))
        else:
            outlets = list(reading.outlets)
            outlets[slot] = replace(outlets[slot], is_on=on)
            reading = replace(reading, outlets=outlets)
        self.async_set_updated_data(replace(self.data, reading=reading))
        await self.async_request_refresh()

    async def async_set_auto_update(self, on: bool) -> None:
        """Tell the plug whether to update its firmware by itself; shown once it confirms."""
        await self._switch(self.client.set_auto_update(on))
        if self._cloud is not None:
            self._cloud = replace(self._cloud, auto_update=on)
            self.async_set_updated_data(replace(self.data, cloud=self._cloud))

    async def async_shutdown(self) -> None:
        await super().async_shutdown()  # saves the totals
        await self.client.close()


def _in_our_zone(strip: DeviceTime, now: datetime) -> datetime:
    """The device's wall clock to compare with Home Assistant's. A SMART plug keeps unix time
    and its own zone (its midnight falls there, by design): only the instant can be wrong, so
    it is shown in Home Assistant's zone. An IOT strip keeps only a wall clock: as it reads."""
    if strip.utc_offset_min is None:
        return strip.wall
    utc = strip.wall - timedelta(minutes=strip.utc_offset_min)
    return utc + (now.utcoffset() or timedelta(0))


def _wall_seconds(wall: datetime) -> float:
    """A wall time as seconds (its digits read as UTC): strip and Home Assistant clocks are
    compared as the calendars they show."""
    return wall.replace(tzinfo=UTC).timestamp()


def scan_interval(entry: LanMeterConfigEntry) -> timedelta:
    return timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S))
