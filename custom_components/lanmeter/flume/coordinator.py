"""Home Assistant glue for one Flume bridge: MQTT in, volume/flow/leaks out, nothing lost."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import json
import logging
import time
from typing import Any

from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from ..clock_watch import ClockWatch
from ..coordinator_base import PushCoordinator
from ..device_clock import DeviceClock
from ..event_source import EventSource
from ..ledger import Ledger, RegisterLimits, Verdict
from ..runtime import LanMeterConfigEntry
from ..stored import load_one
from .const import (
    CONF_AWAY_ENTITY,
    CONF_CONTINUOUS_MIN,
    CONF_HIGH_FLOW_L_MIN,
    CONF_HIGH_FLOW_MIN,
    CONF_LITERS_PER_PULSE,
    CONF_METER_OFFSET_L,
    DEFAULT_LITERS_PER_PULSE,
)
from .messages import (
    BRIDGE_TYPES,
    TYPE_FLOW,
    TYPE_STATUS,
    BridgeStatus,
    FlumeMessageError,
    PulseSample,
    SensorStatus,
    decode_payload,
    flow_samples,
    from_bridge,
    make_box,
    parse_topic,
    status,
)
from .water import LeakState, PulseMeter, RuleSettings, legacy_ledger

_LOGGER = logging.getLogger(__name__)

SAVE_DELAY_S = 10
# Batches arrive about every 30 s: five missed batches mean the bridge is gone.
DISCONNECTED_AFTER = timedelta(seconds=150)
CHECK_EVERY = timedelta(seconds=30)
# The most water a home's supply delivers (a 1" main at high pressure: ~200 L/min); a counter
# that grew faster is held back (see ledger.py).
MAX_L_PER_S = 200 / 60
LOG_EVERY_S = 600  # rate limit for "ignored a bad message" warnings


@dataclass(frozen=True)
class FlumeSnapshot:
    """What the entities see, published after every change (never changed afterwards)."""

    sensor_id: str
    connected: bool
    counting: bool  # a pulse counter has arrived: volumes and leak states mean something
    flow_l_min: float | None
    volume_l: float | None
    today_l: float | None
    leak: bool
    high_flow: bool
    sensor: SensorStatus | None
    bridge: BridgeStatus | None
    last_report: datetime | None
    clock_offset_s: float | None  # the bridge's clock minus Home Assistant's


@dataclass
class FlumeState:
    """The coordinator's working state: counters and rules that messages update."""

    sensor_id: str
    bridge_id: str | None = None
    meter: PulseMeter = field(default_factory=PulseMeter)
    pulses: Ledger = field(default_factory=Ledger)  # the counter as booked: the volume
    leaks: LeakState = field(default_factory=LeakState)
    day: str | None = None
    day_start_pulses: int | None = None
    flow_l_min: float | None = None
    sensor: SensorStatus | None = None
    bridge: BridgeStatus | None = None
    last_report: datetime | None = None
    last_message_at: float | None = None  # wall clock, for connectivity
    connected: bool = False
    calibration_start_pulses: int | None = None


def _stored[T](stored: dict[str, Any], key: str, kind: type[T]) -> T | None:
    """One plain stored value of the expected type, or None (a wrong type is logged)."""
    value = stored.get(key)
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    _LOGGER.warning("Skipped the stored Flume %s: %r is not a %s", key, value, kind.__name__)
    return None


class FlumeCoordinator(PushCoordinator[FlumeSnapshot]):
    """One bridge and its sensor."""

    silence_check_every = CHECK_EVERY

    def __init__(
        self, hass: HomeAssistant, entry: LanMeterConfigEntry, sensor_id: str, key: str | None
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            entry,
            name=f"Flume {sensor_id}",
            storage_name="flume",
            save_delay_s=SAVE_DELAY_S,
        )
        self.box = make_box(key)
        self.state = FlumeState(sensor_id)  # the working state; entities read snapshots
        self.events = EventSource()  # leak events; the water event entity subscribes
        self.clock_watch = self.keep(
            "clock",
            ClockWatch(
                hass, entry.entry_id, "flume", f"Flume bridge for {sensor_id}", DeviceClock()
            ),
        )
        self.data = self.snapshot()

    @property
    def liters_per_pulse(self) -> float:
        return float(self.config_entry.options.get(CONF_LITERS_PER_PULSE, DEFAULT_LITERS_PER_PULSE))

    @property
    def rules(self) -> RuleSettings:
        options = self.config_entry.options
        defaults = RuleSettings()
        return RuleSettings(
            float(options.get(CONF_CONTINUOUS_MIN, defaults.continuous_min)),
            float(options.get(CONF_HIGH_FLOW_L_MIN, defaults.high_flow_l_min)),
            float(options.get(CONF_HIGH_FLOW_MIN, defaults.high_flow_min)),
        )

    # ----- persistence ----------------------------------------------------------------------

    def _restore(self, stored: dict[str, Any]) -> None:
        """The last counter, day start and leak state survive restarts: no volume is lost."""
        state = self.state
        state.meter = load_one("Flume meter", stored.get("meter"), PulseMeter.from_dict, PulseMeter)
        state.pulses = legacy_ledger(stored.get("meter")) or load_one(
            "Flume pulses", stored.get("pulses"), Ledger.from_dict, Ledger
        )
        state.leaks = load_one("Flume leaks", stored.get("leaks"), LeakState.from_dict, LeakState)
        state.day = _stored(stored, "day", str)
        state.day_start_pulses = _stored(stored, "day_start_pulses", int)
        state.calibration_start_pulses = _stored(stored, "calibration_start_pulses", int)
        state.bridge_id = _stored(stored, "bridge_id", str)
        self.data = self.snapshot()  # the stored totals, before the first message

    def _to_store(self) -> dict[str, Any]:
        state = self.state
        return {
            "meter": state.meter.as_dict(),
            "pulses": state.pulses.as_dict(),
            "leaks": state.leaks.as_dict(),
            "day": state.day,
            "day_start_pulses": state.day_start_pulses,
            "calibration_start_pulses": state.calibration_start_pulses,
            "bridge_id": state.bridge_id,
        }

    # ----- values ---------------------------------------------------------------------------

    def snapshot(self) -> FlumeSnapshot:
        state = self.state
        return FlumeSnapshot(
            sensor_id=state.sensor_id,
            connected=state.connected,
            counting=state.meter.counter is not None,
            flow_l_min=state.flow_l_min,
            volume_l=self.volume_l(),
            today_l=self.today_l(),
            leak=state.leaks.leak,
            high_flow=state.leaks.high_flow,
            sensor=state.sensor,
            bridge=state.bridge,
            last_report=state.last_report,
            clock_offset_s=self.clock_watch.offset_s,
        )

    def booked_pulses(self) -> int | None:
        total = self.state.pulses.value
        return None if total is None else round(total)

    def volume_l(self) -> float | None:
        pulses = self.booked_pulses()
        if pulses is None:
            return None
        offset = float(self.config_entry.options.get(CONF_METER_OFFSET_L, 0.0))
        return round(pulses * self.liters_per_pulse + offset, 3)

    def today_l(self) -> float | None:
        pulses = self.booked_pulses()
        if pulses is None or self.state.day_start_pulses is None:
            return None
        return round((pulses - self.state.day_start_pulses) * self.liters_per_pulse, 3)

    # ----- messages -------------------------------------------------------------------------

    def _ignore(self, kind: str, detail: str) -> None:
        if self.count_problem(kind, LOG_EVERY_S):
            _LOGGER.warning(
                "Flume %s: ignored a message (%s: %s); %d so far, counted in diagnostics",
                self.state.sensor_id,
                kind,
                detail,
                self.counters[kind],
            )

    @callback
    def on_message(self, topic: str, payload: bytes, received: float) -> None:
        parsed = parse_topic(topic)
        if parsed is None:
            return  # responses/... and anything else on the broker
        try:
            data = decode_payload(payload, self.box)
        except FlumeMessageError as err:
            self._ignore("undecryptable", str(err))
            return
        state = self.state
        state.last_message_at = received
        if not state.connected:
            state.connected = True
            _LOGGER.info("Flume bridge for %s is reporting", state.sensor_id)
        try:
            if parsed.kind == TYPE_FLOW and parsed.device_id == state.sensor_id:
                self._apply_flow(flow_samples(data), received)
            elif parsed.kind == TYPE_STATUS:
                bridge = from_bridge(parsed, data, state.sensor_id, state.bridge_id)
                reading = status(data, bridge)
                if isinstance(reading, BridgeStatus):
                    state.bridge, state.bridge_id = reading, parsed.device_id
                else:
                    state.sensor = reading
            elif parsed.kind in BRIDGE_TYPES:
                state.bridge_id = parsed.device_id
        except FlumeMessageError as err:
            self._ignore("wrong_shape", str(err))
        self.async_schedule_save()
        self.async_set_updated_data(self.snapshot())

    def _apply_flow(self, samples: list[PulseSample], received: float) -> None:
        """Count a batch's pulses and time them on Home Assistant's clock.

        The bridge's clock may be hours off, a day behind or back at 1970 (no NTP): its stamps
        are placed through the tracked offset (device_clock.py), and the counter alone decides
        the volume, so no clock loses or doubles a pulse.
        """
        state = self.state
        self.clock_watch.observe(samples[-1].timestamp, received)
        # Durations (flow rate, leak timers) on the bridge's own continuous time; the day and
        # "last report" on Home Assistant's clock (the arrival while the clock is in doubt).
        clock = self.clock_watch.clock  # the bridge's, for its sample stamps
        timeline = [clock.timeline(sample.timestamp) for sample in samples]
        applied = [
            at
            for sample, at in zip(samples, timeline, strict=True)
            if state.meter.add(sample.counter, at)
        ]
        if not applied:
            self._ignore("out_of_order", "every sample was already counted")
            return
        if applied[-1] is not None and self._book_pulses(applied[-1]) is Verdict.HELD:
            return  # a count the ledger holds back moves neither the flow nor the leak rules
        newest = clock.place(samples[-1].timestamp, received)
        state.last_report = dt_util.utc_from_timestamp(received if newest is None else newest)
        day = dt_util.as_local(state.last_report).date().isoformat()
        if state.day != day or state.day_start_pulses is None:
            state.day, state.day_start_pulses = day, self.booked_pulses()
        rate = state.meter.pulses_per_s()
        state.flow_l_min = None if rate is None else round(rate * self.liters_per_pulse * 60, 3)
        away_entity = self.config_entry.options.get(CONF_AWAY_ENTITY)
        away_state = self.hass.states.get(away_entity) if away_entity else None
        away = away_state is not None and away_state.state == STATE_ON
        now = timeline[-1] if timeline[-1] is not None else state.meter.last_time
        if now is None:
            return  # no timed sample yet: the leak rules wait for one
        for event in state.leaks.update(now, state.flow_l_min or 0.0, away, self.rules):
            _LOGGER.info("Flume %s: %s", state.sensor_id, event)
            self.events.fire(event, {"flow_l_min": state.flow_l_min})

    def _book_pulses(self, at: float) -> Verdict:
        """The counter into its ledger at the newest sample's time on the bridge's timeline (a
        backlog delivered at once still spans the time its pulses took). Untimed counts wait
        for the next timed sample: the counter is cumulative, so they are booked with it."""
        assert self.state.meter.counter is not None
        limits = RegisterLimits(MAX_L_PER_S / self.liters_per_pulse, resolution=1.0)
        what = f"Flume {self.state.sensor_id} pulse counter"
        return self.book(self.state.pulses, what, self.state.meter.counter, limits, at=at)

    @callback
    def on_broker(self, connected: bool) -> None:
        """The broker went away: nothing from the bridge can arrive, so its connectivity is
        off at once (the broker's client logged it). It is on again with its next message."""
        if not connected and self.state.connected:
            self.state.connected = False
            self.async_set_updated_data(self.snapshot())

    @callback
    def _check_silence(self, now: datetime) -> None:
        state = self.state
        if state.connected and (
            state.last_message_at is None
            or time.time() - state.last_message_at > DISCONNECTED_AFTER.total_seconds()
        ):
            state.connected = False
            _LOGGER.warning(
                "Flume bridge for %s sent nothing for %s: check its power, Wi-Fi and the DNS "
                "redirect to your broker",
                state.sensor_id,
                DISCONNECTED_AFTER,
            )
            self.async_set_updated_data(self.snapshot())

    # ----- calibration ----------------------------------------------------------------------

    def calibration_start(self) -> None:
        if (pulses := self.booked_pulses()) is None:
            raise ValueError("no pulse count has been received yet")
        self.state.calibration_start_pulses = pulses
        self.async_schedule_save(0)

    def calibration_stop(self, liters: float) -> float:
        """The new liters per pulse from a known volume drawn since start."""
        start, now = self.state.calibration_start_pulses, self.booked_pulses()
        if start is None or now is None:
            raise ValueError("start the calibration first")
        if now <= start:
            raise ValueError("no pulses were counted since the calibration started")
        self.state.calibration_start_pulses = None
        return liters / (now - start)

    def diagnostics(self) -> dict[str, Any]:
        state = self.state
        return {
            "sensor_id": state.sensor_id,
            "bridge_id": state.bridge_id,
            "connected": state.connected,
            "ignored": dict(self.counters),
            "meter": state.meter.as_dict(),
            "pulses": state.pulses.as_dict(),
            "leaks": state.leaks.as_dict(),
            "clock": self.clock_watch.clock.as_dict(),
            "flow_l_min": state.flow_l_min,
            "volume_l": self.volume_l(),
            "liters_per_pulse": self.liters_per_pulse,
            "sensor": state.sensor.__dict__ if state.sensor else None,
            "bridge": state.bridge.__dict__ if state.bridge else None,
            "stored": json.loads(json.dumps(self._to_store())),
        }
