"""Home Assistant glue for one Kasa strip or plug: polling, switching, energy that never drops."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..coordinator_base import StoredCoordinator
from ..counters import MonotonicTotal
from ..repair_issue import RepairIssue
from ..runtime import LanMeterConfigEntry
from ..stored import load_each
from .client import KasaAuthError, KasaConnectionError, KasaStripClient, StripReading
from .const import CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S
from .readings import KasaAnswerError

_LOGGER = logging.getLogger(__name__)

# The energy offsets only change on a counter reset, but the last raw register must be recent
# enough that a reset during a Home Assistant restart is recognised.
STORAGE_SAVE_DELAY_S = 60


@dataclass
class KasaState:
    """What the entities read: the last poll and each outlet's never-decreasing energy total."""

    reading: StripReading
    energy_total_kwh: list[float | None]


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
        self._totals: dict[int, MonotonicTotal] = {}
        # Another device answers at the strip's address (a DHCP lease moved).
        self._other_device = RepairIssue(hass, "kasa_other_device", entry.entry_id)

    async def async_load_totals(self) -> None:
        """Restore the energy offsets, so a reset while Home Assistant was down is caught."""
        stored = await self.async_load_stored()
        totals = load_each(
            "Kasa energy total",
            stored.get("totals"),
            lambda slot, value: (int(slot), MonotonicTotal.from_dict(value)),
        )
        self._totals = dict(totals.values())

    def _to_store(self) -> dict[str, Any]:
        return {"totals": {str(slot): total.as_dict() for slot, total in self._totals.items()}}

    async def _async_update_data(self) -> KasaState:
        try:
            reading = await self.client.poll(dt_util.now().date())
        except KasaAuthError as err:
            # The Kasa account's password changed: Home Assistant starts the reauth flow.
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="kasa_auth_failed",
                translation_placeholders={"where": self.name},
            ) from err
        except (KasaConnectionError, KasaAnswerError) as err:
            self.client.stats.failed_polls += 1
            self.client.stats.last_error = str(err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="kasa_unreachable",
                translation_placeholders={"where": self.name, "error": str(err)},
            ) from err
        self._check_identity(reading)
        totals: list[float | None] = []
        for slot, outlet in enumerate(reading.outlets):
            if outlet.realtime is None:
                total = self._totals.get(slot)
                totals.append(total.value if total else None)
                continue
            total = self._totals.setdefault(slot, MonotonicTotal())
            totals.append(round(total.update(outlet.realtime.total_kwh), 3))
        if self._totals:
            self.async_schedule_save()
        return KasaState(reading, totals)

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

    async def async_set_outlet(self, slot: int | None, on: bool) -> None:
        """Switch an outlet (slot None: the LED), then show the confirmed state immediately."""
        try:
            if slot is None:
                await self.client.set_led(on)
            else:
                child_id = self.data.reading.info.outlets[slot].child_id
                await self.client.set_outlet(child_id, on)
        except (KasaConnectionError, KasaAnswerError, KasaAuthError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="kasa_switch_failed",
                translation_placeholders={"where": self.name, "error": str(err)},
            ) from err
        # The strip confirmed (err_code 0): reflect it now rather than at the next poll, then
        # poll right away for the new power.
        if slot is None:
            self.data.reading.info = replace(self.data.reading.info, led_on=on)
        else:
            self.data.reading.outlets[slot].is_on = on
        self.async_set_updated_data(self.data)
        await self.async_request_refresh()

    async def async_shutdown(self) -> None:
        await super().async_shutdown()  # saves the totals
        await self.client.close()


def scan_interval(entry: LanMeterConfigEntry) -> timedelta:
    return timedelta(seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S))
