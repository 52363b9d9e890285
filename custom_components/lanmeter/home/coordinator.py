"""Home Assistant glue of the home view: follows the mains and device power sensors, computes the
breakdown, fires appliance events, and serves the Sense bridge."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import ATTR_FRIENDLY_NAME, ATTR_UNIT_OF_MEASUREMENT, UnitOfPower
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import discovery_flow
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import (
    async_track_state_change_event,
    async_track_state_report_event,
)
from homeassistant.util import dt as dt_util

from ..const import CONF_KIND, DOMAIN, KIND_HOME
from ..coordinator_base import PushCoordinator
from ..cycle_watch import CycleWatch, CycleWatches
from ..event_source import EventSource
from ..power_sensors import async_offered_entity_ids
from ..runtime import LanMeterConfigEntry
from ..stored import load_one
from . import breakdown
from .appliances import NAMED, ApplianceLearner, ApplianceModel, Candidate, NamedRuns, Run
from .breakdown import (
    UNKNOWN_DEVICE,
    DailyLevels,
    DeviceChanges,
    RollingPercentile,
    Step,
    StepPairer,
    other_power,
)
from .const import (
    CONF_DEVICES,
    CONF_MAINS,
    CONF_THRESHOLD,
    DEFAULT_THRESHOLD_W,
    named_device_id,
)
from .sense_bridge import PlugReading

_LOGGER = logging.getLogger(__name__)

# What the home view learns (Always On's week, appliance runs) is written at least hourly; a
# named appliance's booked energy at once (a power cut loses at most an hour of learning).
SAVE_DELAY_S = 3600
TO_WATTS: dict[str | None, float] = {
    UnitOfPower.WATT: 1.0,
    UnitOfPower.KILO_WATT: 1000.0,
    UnitOfPower.MILLIWATT: 0.001,
}


def watts(state: State | None) -> float | None:
    """A power state in W, or None when unavailable, unknown, not a number or not power."""
    if state is None:
        return None
    factor = TO_WATTS.get(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT))
    try:
        value = float(state.state)
    except ValueError:
        return None
    return None if factor is None else value * factor


@dataclass(frozen=True)
class HomeState:
    """The breakdown as published (a new one after every change, never changed afterwards)."""

    home_w: float | None = None
    tracked_w: float = 0.0
    always_on_w: float | None = None
    always_on_typical_w: float | None = None  # the median of the last 7 days' Always On
    other_w: float | None = None
    device_w: Mapping[str, float | None] = field(default_factory=dict)
    unavailable: tuple[str, ...] = ()
    appliance_w: Mapping[str, float] = field(default_factory=dict)  # named appliances, by key
    appliance_kwh: Mapping[str, float] = field(default_factory=dict)


def home_settings(entry: LanMeterConfigEntry) -> dict[str, Any]:
    """The home view's settings: what the setup chose, overridden by what the options changed."""
    return {**entry.data, **entry.options}


class HomeCoordinator(PushCoordinator[HomeState]):
    """The breakdown of one home, updated on every mains or device state change."""

    def __init__(self, hass: HomeAssistant, entry: LanMeterConfigEntry) -> None:
        super().__init__(
            hass,
            _LOGGER,
            entry,
            name="LAN Meter home",
            storage_name="home",
            save_delay_s=SAVE_DELAY_S,
        )
        settings = home_settings(entry)
        self.mains: str = settings[CONF_MAINS]
        self.chosen_devices: list[str] = list(settings.get(CONF_DEVICES) or [])
        threshold = float(settings.get(CONF_THRESHOLD, DEFAULT_THRESHOLD_W))
        self.percentile = RollingPercentile()
        self.daily = DailyLevels()
        self.detector = breakdown.StepDetector(threshold)
        self.pairer = StepPairer()
        self.changes = DeviceChanges()
        self.data = HomeState()
        self.cycles = self.keep("cycles", CycleWatches(hass, self.async_schedule_save))
        self.events = EventSource()  # appliance on/off; the appliance event entity subscribes
        self.appliances = ApplianceModel()  # learned from Other's runs; the named ones live
        self.named_events: dict[str, EventSource] = {}  # each named appliance's on/off
        self.events_fired = 0
        self._unsubscribe: Callable[[], None] | None = None
        self.devices: list[str] = []

    def _find_devices(self) -> list[str]:
        """The chosen device sensors, or (none chosen) every power sensor LAN Meter's kinds
        offer (outlets, Insights: power_sensors.py)."""
        if self.chosen_devices:
            return self.chosen_devices
        return async_offered_entity_ids(self.hass)

    def watched_appliances(self) -> list[str]:
        """The chosen power sensors of other integrations (a Shelly plug, a template sensor):
        the home view watches their appliance cycles. LAN Meter's own outlets and Insights
        have theirs on their own devices."""
        registry = er.async_get(self.hass)
        return [
            entity_id
            for entity_id in self.chosen_devices
            if (known := registry.async_get(entity_id)) is None or known.platform != DOMAIN
        ]

    def appliance_cycle(self, entity_id: str) -> CycleWatch:
        return self.cycles.watch(entity_id, f"{self.name} {entity_id}")

    def _restore(self, stored: dict[str, Any]) -> None:
        self.percentile = load_one(
            "Always On history",
            stored.get("always_on"),
            RollingPercentile.from_dict,
            RollingPercentile,
        )
        self.daily = load_one(
            "Always On by day", stored.get("always_on_days"), DailyLevels.from_dict, DailyLevels
        )
        self.appliances = ApplianceModel(
            load_one(
                "appliances learned",
                stored.get("appliances"),
                ApplianceLearner.from_dict,
                ApplianceLearner,
            ),
            load_one(
                "appliance energy", stored.get("appliance_energy"), NamedRuns.from_dict, NamedRuns
            ),
        )

    async def async_start(self) -> None:
        """Restore, then follow the mains and the devices' power sensors."""
        await self.async_restore()
        self._subscribe()
        # Start from the mains' current level, so the first change can already be a step.
        if (mains := self.hass.states.get(self.mains)) is not None and (
            home := watts(mains)
        ) is not None:
            now = mains.last_updated.timestamp()
            self.detector.add(home, now)
            self.percentile.add(home, now)
        for candidate in self.appliances.offered():  # flows do not outlive a restart
            self._offer(candidate)
        if not self.chosen_devices:
            # Outlets added later join automatically.
            self.config_entry.async_on_unload(
                self.hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, self._registry_updated)
            )
        self._recompute()

    @callback
    def _registry_updated(self, event: Event[er.EventEntityRegistryUpdatedData]) -> None:
        self._subscribe()
        self._recompute()  # new devices' share sensors are added from this update

    def _subscribe(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        self.devices = self._find_devices()
        changes = async_track_state_change_event(
            self.hass, [self.mains, *self.devices], self._state_changed
        )
        # A meter that reads exactly the same watts again is written as a report, not a change:
        # still a reading (a level held after a step confirms it).
        reports = async_track_state_report_event(
            self.hass, [self.mains, *self.watched_appliances()], self._reported
        )

        def unsubscribe() -> None:
            changes()
            reports()

        self._unsubscribe = unsubscribe

    def _to_store(self) -> dict[str, Any]:
        return {
            "always_on": self.percentile.as_dict(),
            "always_on_days": self.daily.as_dict(),
            "appliances": self.appliances.learner.as_dict(),
            "appliance_energy": self.appliances.live.as_dict(),
        }

    async def async_shutdown(self) -> None:
        """Stop following the sensors; the base saves the Always On history."""
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        await super().async_shutdown()

    @callback
    def _state_changed(self, event: Event[EventStateChangedData]) -> None:
        new, old = event.data["new_state"], event.data["old_state"]
        entity_id = event.data["entity_id"]
        now = (new.last_updated if new else event.time_fired).timestamp()
        if entity_id == self.mains:
            self._mains_reading(watts(new), now)
        else:
            before, after = watts(old), watts(new)
            if before is not None and after is not None and after != before:
                self.changes.add(entity_id, after - before, now)
            if (watch := self.cycles.get(entity_id)) is not None and new is not None:
                watch.add(after, new.last_updated)
        self._recompute()

    @callback
    def _reported(self, event: Event[EventStateReportedData]) -> None:
        new, entity_id = event.data["new_state"], event.data["entity_id"]
        if new is None:
            return
        if (watch := self.cycles.get(entity_id)) is not None:
            watch.add(watts(new), new.last_reported)
        if entity_id == self.mains:
            self._mains_reading(watts(new), new.last_reported.timestamp())
            self._recompute()  # Always On and Other move with time, too

    def _mains_reading(self, home: float | None, now: float) -> None:
        self.percentile.add(home, now)
        self.async_schedule_save()
        if home is not None and (step := self.detector.add(home, now)) is not None:
            self._on_step(step)

    def _on_step(self, step: Step) -> None:
        device = self.changes.match(step)
        if device == UNKNOWN_DEVICE:
            for key, event_type in self.appliances.step(step.time, step.size_w):
                self.named_event(key).fire(event_type, {"step_w": round(step.size_w, 1)})
                self.async_schedule_save(0)  # a named appliance's energy was booked
        attributes: dict[str, Any] = {"step_w": round(step.size_w, 1), "device": device}
        if step.size_w > 0:
            self.pairer.step_up(step, device)
            event_type = "appliance_on"
        else:
            event_type = "appliance_off"
            if (run := self.pairer.step_down(step, device)) is not None:
                attributes |= {
                    "device": run.device,
                    "on_time_s": round(run.on_time_s),
                    "energy_wh": round(run.energy_wh, 1),
                }
                if run.device == UNKNOWN_DEVICE and run.on_time_s > 0:
                    self._learn(step.time - run.on_time_s, run.size_w, run.on_time_s)
        self.events_fired += 1
        self.events.fire(event_type, attributes)

    def _learn(self, started: float, size_w: float, duration_s: float) -> None:
        """A run no known device explains: the learner's, with the local hour it started."""
        hour = dt_util.as_local(dt_util.utc_from_timestamp(started)).hour
        for candidate in self.appliances.learn(Run(started, size_w, duration_s, hour)):
            self._offer(candidate)
        self.async_schedule_save()

    def _offer(self, candidate: Candidate) -> None:
        """Ask the user to name it (or ignore it): a discovered item in Settings."""
        discovery_flow.async_create_flow(
            self.hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={CONF_KIND: KIND_HOME, "entry_id": self.config_entry.entry_id}
            | candidate.__dict__,
        )

    async def async_forget_appliance(self, identifiers: set[str]) -> bool:
        """Forget the named appliance whose device has these identifiers; whether one was."""
        for signature in self.appliances.named():
            if named_device_id(signature.key) in identifiers:
                self.appliances.forget(signature.key)
                await self.async_save_now()
                self._recompute()
                return True
        return False

    async def async_merge_appliances(self, key: str, into: str) -> None:
        """`key` is part of the named appliance `into` from now on: no longer offered, and (if
        it was named) its device goes; `into`'s energy total goes on from where it was (the
        merged one's energy stays in its own history, not counted twice). The entry reloads."""
        merged_status = self.appliances.status(key)
        self.appliances.merge(key, into)
        flows = self.hass.config_entries.flow
        for flow in flows.async_progress_by_handler(
            DOMAIN, match_context={"unique_id": f"home_appliance_{key}"}
        ):
            flows.async_abort(flow["flow_id"])
        if merged_status == NAMED:
            devices = dr.async_get(self.hass)
            for device in dr.async_entries_for_config_entry(devices, self.config_entry.entry_id):
                if (DOMAIN, named_device_id(key)) in device.identifiers:
                    devices.async_remove_device(device.id)
        await self.async_save_now()
        self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)

    def named_event(self, key: str) -> EventSource:
        return self.named_events.setdefault(key, EventSource())

    async def async_name_appliance(self, key: str, name: str) -> None:
        """The user named a candidate: it gets its device and entities at once (the platforms
        add a new part's entities when the coordinator publishes; no reload)."""
        self.appliances.name(key, name)
        await self.async_save_now()
        self._recompute()

    @callback
    def _recompute(self) -> None:
        home_w = watts(self.hass.states.get(self.mains))
        device_w = {entity_id: watts(self.hass.states.get(entity_id)) for entity_id in self.devices}
        # An input without a reading is left out, not counted as 0 W, and named.
        unavailable = [self.mains] if home_w is None else []
        unavailable += [entity_id for entity_id, value in device_w.items() if value is None]
        tracked_w = round(sum(v for v in device_w.values() if v is not None), 1)
        always_on_w = self.percentile.value()
        today = dt_util.now().date().isoformat()  # Home Assistant's day
        if always_on_w is not None:
            self.daily.record(today, always_on_w)
        now = dt_util.utcnow().timestamp()
        for key in self.appliances.expire(now):
            self.named_event(key).fire("turned_off", {"ended": "longer than it runs: another load"})
        named = [signature.key for signature in self.appliances.named()]
        appliance_w = {key: self.appliances.power_w(key) for key in named}
        appliance_kwh = {key: round(self.appliances.energy_kwh(key), 4) for key in named}
        # A named appliance's power is no longer Other's.
        explained_w = tracked_w + sum(appliance_w.values())
        other_w = (
            None if home_w is None else round(other_power(home_w, explained_w, always_on_w), 1)
        )
        self.async_set_updated_data(
            HomeState(
                home_w,
                tracked_w,
                always_on_w,
                self.daily.typical(today),
                other_w,
                device_w,
                tuple(unavailable),
                appliance_w,
                appliance_kwh,
            )
        )

    def sense_plugs(self) -> list[PlugReading]:
        """The emulated plugs: one per known device with a current reading."""
        plugs = []
        for entity_id, power in self.data.device_w.items():
            if power is None:
                continue
            state = self.hass.states.get(entity_id)
            alias = state.attributes.get(ATTR_FRIENDLY_NAME, entity_id) if state else entity_id
            plugs.append(PlugReading(entity_id, str(alias), max(0.0, power)))
        return plugs
