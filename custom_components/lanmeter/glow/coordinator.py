"""Home Assistant glue for one Glow entry: a /zb02 receiver or a local-MQTT subscription.

Every CAD that reports becomes a device (dynamically, while running). The coordinator is push-only:
feeds call async_set_updated_data; a timer marks CADs that stopped reporting unavailable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import json
import logging
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import discovery_flow
from homeassistant.util import dt as dt_util

from ..clock_watch import ClockWatch
from ..const import CONF_KIND, DOMAIN, KIND_GLOW
from ..coordinator_base import PushCoordinator
from ..device_clock import DeviceClock
from ..ledger import Ledger, RegisterLimits, kwh_per_s
from ..price_sources import EnergyPrice
from ..runtime import LanMeterConfigEntry
from ..stored import StoredRecordError, load_each
from ..stored_parts import WaitingRecords
from .const import allow_flow_id
from .cost import CostToday
from .local_mqtt import GlowMessageError, decode_message, parse_topic
from .readings import GlowReading
from .receiver import Upload
from .tariff import Tariff

_LOGGER = logging.getLogger(__name__)

# A CAD uploads every few seconds (MQTT: every 6-10 s); silence this long means it is gone.
STALE_AFTER = timedelta(minutes=2)
CHECK_EVERY = timedelta(seconds=30)
SAVE_DELAY_S = 30
# Anything on the LAN can post: only the first CAD is adopted unasked; every other new id waits
# for the user's confirmation (a discovery), at most this many at once (the oldest is dropped).
MAX_PENDING = 10
# What a home's meter can measure: a 100 A three-phase supply is ~70 kWh an hour; a domestic gas
# meter ~10 m3 (~115 kWh) an hour. A register that grows faster is held back (see ledger.py).
ELECTRICITY_REGISTER = RegisterLimits(max_per_s=100.0 / 3600, resolution=0.001)
GAS_KWH_REGISTER = RegisterLimits(max_per_s=120.0 / 3600, resolution=0.001)
GAS_M3_REGISTER = RegisterLimits(max_per_s=10.0 / 3600, resolution=0.001)
MAX_REGISTER = 1e8  # kWh or m3: 100 GWh, no home's register ever reads more


@dataclass
class CadState:
    """All we know of one CAD, merged over its uploads."""

    device_id: str
    reading: GlowReading | None = None
    tariff: Tariff | None = None
    cost: CostToday = field(default_factory=CostToday)
    cost_today_gbp: float | None = None
    import_total: Ledger = field(default_factory=Ledger)
    export_total: Ledger = field(default_factory=Ledger)
    gas_kwh_total: Ledger = field(default_factory=Ledger)
    gas_m3_total: Ledger = field(default_factory=Ledger)
    last_seen: datetime | None = None
    online: bool = False
    uploads: int = 0
    clock_watch: ClockWatch | None = None  # the CAD's own clock, from its first timed reading

    def registers(self) -> dict[str, Ledger]:
        """Its meter registers' ledgers, by their stored name."""
        return {
            "import_total": self.import_total,
            "export_total": self.export_total,
            "gas_kwh_total": self.gas_kwh_total,
            "gas_m3_total": self.gas_m3_total,
        }

    @property
    def unit_rate_gbp(self) -> float | None:
        if self.tariff is not None:
            return self.tariff.unit_rate_gbp
        return self.reading.unit_rate_gbp if self.reading else None

    @property
    def standing_charge_gbp(self) -> float | None:
        if self.tariff is not None and self.tariff.standing_charge_gbp is not None:
            return self.tariff.standing_charge_gbp
        return self.reading.standing_charge_gbp if self.reading else None


@dataclass(frozen=True)
class CadSnapshot:
    """What the entities see of one CAD, published after every change."""

    device_id: str
    online: bool
    reading: GlowReading | None
    import_total_kwh: float | None
    export_total_kwh: float | None
    gas_kwh_total: float | None
    gas_m3_total: float | None
    unit_rate_gbp: float | None
    standing_charge_gbp: float | None
    cost_today_gbp: float | None
    clock_offset_s: float | None  # the CAD's clock minus Home Assistant's

    @classmethod
    def of(cls, cad: CadState) -> CadSnapshot:
        return cls(
            cad.device_id,
            cad.online,
            cad.reading,
            _rounded(cad.import_total.value),
            _rounded(cad.export_total.value),
            _rounded(cad.gas_kwh_total.value),
            _rounded(cad.gas_m3_total.value),
            cad.unit_rate_gbp,
            cad.standing_charge_gbp,
            cad.cost_today_gbp,
            cad.clock_watch.offset_s if cad.clock_watch else None,
        )


def _rounded(total: float | None) -> float | None:
    """A booked total without the float noise of its offsets (registers read to the Wh)."""
    return None if total is None else round(total, 6)


def _cad_from_store(device_id: str, saved: Any) -> CadState:
    registers = CadState(device_id).registers()
    if not isinstance(saved, dict) or set(saved) - {"cost", *registers} or "cost" not in saved:
        raise StoredRecordError(f"not a CAD record: {str(saved)[:60]}")
    cad = CadState(
        device_id,
        cost=CostToday.from_dict(saved["cost"]),
        import_total=Ledger.from_dict(saved.get("import_total")),
        export_total=Ledger.from_dict(saved.get("export_total")),
        gas_kwh_total=Ledger.from_dict(saved.get("gas_kwh_total")),
        gas_m3_total=Ledger.from_dict(saved.get("gas_m3_total")),
    )
    if "gas_m3_total" not in saved:
        # Stored by 0.2.0, whose cost followed the raw register: start from the booked total.
        cad.cost.last_import_kwh = None
    return cad


class CadClocks:
    """The CADs' clocks, a stored part of the entry (stored_parts.py): each CAD's tracker and
    how long it has been wrong survive a restart, so a CAD still at 1970 keeps its repair issue
    (and clears it when its clock is right) instead of starting over. Kept beside the CAD
    records (which an older version reads strictly), by CAD id."""

    def __init__(self, cads: dict[str, CadState]) -> None:
        self._cads = cads
        self._waiting = WaitingRecords()  # CADs not heard since the restart

    def take(self, device_id: str) -> dict[str, Any] | None:
        """A CAD's stored clock record, once (its watch is made at its first timed reading)."""
        record = self._waiting.take(device_id)
        return record if isinstance(record, dict) else None

    def as_record(self) -> dict[str, Any]:
        watches = {i: c.clock_watch.as_record() for i, c in self._cads.items() if c.clock_watch}
        # A forgotten (deleted) CAD's clock goes with it.
        return {i: r for i, r in self._waiting.with_live(watches).items() if i in self._cads}

    def load_record(self, record: dict[str, Any]) -> None:
        self._waiting.load(record)

    def shutdown(self) -> None:
        """Nothing runs on its own."""


class GlowCoordinator(PushCoordinator[dict[str, CadSnapshot]]):
    """The CADs of one entry and their latest state."""

    silence_check_every = CHECK_EVERY

    def __init__(self, hass: HomeAssistant, entry: LanMeterConfigEntry) -> None:
        super().__init__(
            hass,
            _LOGGER,
            entry,
            name=entry.title,  # "Glow receiver (port 8443)", "Glow via MQTT (...)"
            storage_name="glow",
            save_delay_s=SAVE_DELAY_S,
        )
        self.cads: dict[str, CadState] = {}  # the working state; entities read snapshots
        self.clocks = self.keep("cad_clocks", CadClocks(self.cads))
        self.data = {}
        self._pending: dict[str, None] = {}  # CAD ids offered to the user, oldest first

    def _restore(self, stored: dict[str, Any]) -> None:
        """Known CADs come back with their cost-so-far and register ledgers after a restart."""
        self.cads.update(load_each("Glow CAD", stored.get("devices"), _cad_from_store))
        self.data = {i: CadSnapshot.of(cad) for i, cad in self.cads.items()}  # known CADs

    @callback
    def _publish(self) -> None:
        self.async_set_updated_data({i: CadSnapshot.of(cad) for i, cad in self.cads.items()})

    def unit_rate(self) -> EnergyPrice | None:
        """The electricity unit rate a reporting CAD shows (the meter's tariff, in pounds):
        offered to the other kinds (an appliance cycle's cost)."""
        for cad in self.cads.values():
            if cad.online and (rate := cad.unit_rate_gbp) is not None:
                return EnergyPrice(rate, "GBP")
        return None

    async def async_forget(self, device_id: str) -> bool:
        """Forget a silent CAD (its device was deleted); False while it is still reporting."""
        cad = self.cads.get(device_id)
        if cad is not None and cad.online:
            return False
        if (forgotten := self.cads.pop(device_id, None)) is not None:
            if forgotten.clock_watch is not None:
                forgotten.clock_watch.retire()  # its repair issue goes with it
            self._publish()  # the platforms forget its entities, so it can come back
            await self.async_save_now()
        return True

    def _to_store(self) -> dict[str, Any]:
        return {
            "devices": {
                device_id: {
                    "cost": cad.cost.as_dict(),
                    **{name: ledger.as_dict() for name, ledger in cad.registers().items()},
                }
                for device_id, cad in self.cads.items()
            }
        }

    def _admitted(self, device_id: str) -> bool:
        """Adopted CADs, the ones the user confirmed, and the very first CAD to report."""
        confirmed = self.config_entry.options.get("allowed_devices", [])
        if device_id in self.cads or device_id in confirmed:
            self._pending.pop(device_id, None)
            return True
        if not self.cads and not confirmed:
            _LOGGER.info("%s: adopted CAD %s, the first to report", self.name, device_id)
            return True
        self._offer(device_id)
        return False

    def _offer(self, device_id: str) -> None:
        """Ask the user about a new CAD (once); drop the oldest question beyond MAX_PENDING."""
        if device_id in self._pending:
            return
        while len(self._pending) >= MAX_PENDING:
            oldest = next(iter(self._pending))
            del self._pending[oldest]
            unique_id = allow_flow_id(self.config_entry.entry_id, oldest)
            for flow in self.hass.config_entries.flow.async_progress_by_handler(
                DOMAIN, include_uninitialized=True
            ):
                if flow["context"].get("unique_id") == unique_id:
                    self.hass.config_entries.flow.async_abort(flow["flow_id"])
        self._pending[device_id] = None
        self._count("unconfirmed_cad", device_id)
        discovery_flow.async_create_flow(
            self.hass,
            DOMAIN,
            context={"source": "integration_discovery"},
            data={
                CONF_KIND: KIND_GLOW,
                "entry_id": self.config_entry.entry_id,
                "device_id": device_id,
            },
        )

    def _implausible(self, reading: GlowReading) -> str | None:
        """Why a reading cannot be a meter's at all, or None. (A register that merely jumped is
        the ledger's to hold back: see ledger.py.)"""
        registers = (reading.import_kwh, reading.export_kwh, reading.gas_kwh, reading.gas_m3)
        if any(value is not None and value > MAX_REGISTER for value in registers):
            return f"a register above {MAX_REGISTER:g}"
        return None

    @callback
    def accept_upload(self, upload: Upload) -> str | None:
        """The receiver's handler: apply an upload, or say why it is refused."""
        return self._admit_and_apply(upload.device_id, upload.reading, upload.tariff)

    def _admit_and_apply(
        self, device_id: str, reading: GlowReading | None, tariff: Tariff | None
    ) -> str | None:
        if not self._admitted(device_id):
            return "forbidden"
        if reading is not None and (why := self._implausible(reading)):
            self._count("implausible_reading", f"{device_id}: {why}")
            return "implausible"
        self.apply(device_id, reading, tariff)
        return None

    @callback
    def on_mqtt_message(self, prefix: str, topic: str, payload: bytes, received_ts: float) -> None:
        """The MQTT feed's handler: decode and apply; count and skip anything malformed."""
        parsed = parse_topic(topic, prefix)
        if parsed is None:
            self._count("mqtt_foreign_topic")
            return
        mac, kind = parsed
        received = datetime.fromtimestamp(received_ts, UTC)
        try:
            reading = decode_message(kind, json.loads(payload), received)
        except (ValueError, RecursionError, GlowMessageError) as err:
            self._count("mqtt_bad_message", f"{topic}: {err}")
            return
        if (refusal := self._admit_and_apply(mac, reading, None)) is not None:
            self._count(f"mqtt_{refusal}")

    def _count(self, kind: str, detail: str = "") -> None:
        if self.count_problem(kind):
            _LOGGER.warning("%s: ignored %s %s (logged once)", self.name, kind, detail)

    @callback
    def apply(self, device_id: str, reading: GlowReading | None, tariff: Tariff | None) -> None:
        """Merge an upload into the CAD's state and push it to the entities."""
        cad = self.cads.setdefault(device_id, CadState(device_id))
        now = dt_util.utcnow()
        if not cad.online and cad.last_seen is not None:
            _LOGGER.info("Glow CAD %s is reporting again", device_id)
        cad.online, cad.last_seen = True, now
        cad.uploads += 1
        if tariff is not None:
            cad.tariff = tariff
        if reading is not None:
            for rejected in reading.rejected:
                self._count("rejected_value", rejected)
            self._place(cad, reading, now)
            cad.reading = reading.merged_into(cad.reading)
            self._book_registers(cad, reading)
        cad.cost_today_gbp = cad.cost.update(
            dt_util.now().date(),
            cad.import_total.value if reading and reading.import_kwh is not None else None,
            cad.unit_rate_gbp,
            cad.standing_charge_gbp,
        )
        self.async_schedule_save()
        self._publish()  # a new CAD's entities are added from here too

    def _book_registers(self, cad: CadState, reading: GlowReading) -> None:
        """Each register into its ledger; the import's rate is the CAD's power reading."""
        import_rate = None if reading.power_w is None else kwh_per_s(max(reading.power_w, 0.0))
        for ledger, name, raw, limits, rate in (
            (cad.import_total, "import", reading.import_kwh, ELECTRICITY_REGISTER, import_rate),
            (cad.export_total, "export", reading.export_kwh, ELECTRICITY_REGISTER, None),
            (cad.gas_kwh_total, "gas (kWh)", reading.gas_kwh, GAS_KWH_REGISTER, None),
            (cad.gas_m3_total, "gas (m3)", reading.gas_m3, GAS_M3_REGISTER, None),
        ):
            if raw is not None:
                self.book(ledger, f"Glow CAD {cad.device_id} {name}", raw, limits, rate=rate)

    def _place(self, cad: CadState, reading: GlowReading, now: datetime) -> None:
        """The CAD's time through its tracked offset (no NTP: it may be back at 1970 or hours
        off); the arrival time until its clock is known."""
        if reading.device_time is None:
            return
        watch = cad.clock_watch
        if watch is None:
            watch = cad.clock_watch = ClockWatch(
                self.hass,
                f"{self.config_entry.entry_id}_{cad.device_id}",
                "glow",
                f"Glow CAD {cad.device_id}",
                DeviceClock(),
            )
            if (record := self.clocks.take(cad.device_id)) is not None:
                watch.load_record(record)
        device_s, arrival_s = reading.device_time.timestamp(), now.timestamp()
        watch.observe(device_s, arrival_s)
        placed = watch.clock.place(device_s, arrival_s)
        reading.read_at = now if placed is None else datetime.fromtimestamp(placed, UTC)

    @callback
    def on_broker(self, connected: bool) -> None:
        """The broker went away: no CAD can report, so their sensors are unavailable at once
        (the broker's client logged it); each comes back with its next message."""
        if connected:
            return
        for cad in self.cads.values():
            cad.online = False
        self._publish()

    @callback
    def _check_silence(self, now: datetime) -> None:
        changed = False
        for cad in self.cads.values():
            if cad.online and cad.last_seen and now - cad.last_seen > STALE_AFTER:
                cad.online = False
                changed = True
                _LOGGER.warning(
                    "Glow CAD %s has not reported for %s; its sensors are unavailable until it "
                    "does. Check its Wi-Fi and the DNS override for *.cad.sensornet.info",
                    cad.device_id,
                    STALE_AFTER,
                )
        if changed:
            self._publish()
