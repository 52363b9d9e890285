"""A Glow CAD's Energy total against the meter's truth when an upload is wrong: a missing digit,
a zero, a spike book nothing; a meter restarted from zero (read promptly or after the CAD was
away) loses nothing; a restart between a glitch and the recovery changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from devkit.simulators.glow_cad import ScriptedMeter, SimulatedCad
from tests.kinds.glow import CAD_ID, add_receiver, url, value
from tests.mosquitto import free_port

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.time_sensitive,
    pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True),
]
UPLOAD_EVERY = timedelta(seconds=10)
RESOLUTION_KWH = 0.001


async def uploads(hass: HomeAssistant, freezer, cad: SimulatedCad, count: int) -> None:
    for _ in range(count):
        freezer.tick(UPLOAD_EVERY)
        assert (await cad.upload())[0] == 200
        await hass.async_block_till_done()


def imported(hass: HomeAssistant) -> float:
    return float(value(hass, "electricity_imported"))


@asynccontextmanager
async def reporting_cad(
    hass: HomeAssistant, freezer, meter: ScriptedMeter | None = None
) -> AsyncIterator[tuple[ConfigEntry, SimulatedCad, Truth]]:
    """A receiver and a CAD that has reported once; the truth counts from there."""
    entry = await add_receiver(hass, free_port())
    async with SimulatedCad(url(entry), CAD_ID, meter or ScriptedMeter()) as cad:
        await uploads(hass, freezer, cad, 1)
        yield entry, cad, Truth(hass, cad.meter)


class Truth:
    def __init__(self, hass: HomeAssistant, meter: ScriptedMeter) -> None:
        self.hass, self.meter = hass, meter
        self.booked, self.used = imported(hass), meter.used_kwh

    def assert_exact(self, within_kwh: float = RESOLUTION_KWH) -> None:
        booked = imported(self.hass) - self.booked
        assert booked == pytest.approx(self.meter.used_kwh - self.used, abs=within_kwh)


@pytest.mark.parametrize(
    ("bad", "held"),
    [(lambda kwh: round(kwh - 5000, 3), 1), (lambda kwh: 0.0, 0), (lambda kwh: kwh * 10, 1)],
    ids=["missing digit", "zero", "spike"],
)
async def test_one_bad_upload_books_nothing(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, freezer, bad, held: int
) -> None:
    async with reporting_cad(hass, freezer) as (entry, cad, truth):
        meter = cad.meter
        await uploads(hass, freezer, cad, 1)
        cost = float(value(hass, "cost_today"))
        meter.import_glitches.append(bad(meter.import_kwh))
        await uploads(hass, freezer, cad, 4)
        truth.assert_exact()
        # Cost follows what is booked: 40 s of 2.5 kW, not a glitch's thousands of kWh.
        assert float(value(hass, "cost_today")) - cost < 0.01
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    (cad_diagnostics,) = diagnostics["device"]["devices"].values()  # its id redacted
    counts = cad_diagnostics["registers"]["import_total"]
    # A zero register is the meter's "no value": the decoder drops it before the ledger.
    assert (counts["held"], counts["glitches"], counts["resets"]) == (held, held, 0)


async def test_a_meter_restarted_from_zero_loses_nothing(
    hass: HomeAssistant, freezer, caplog: pytest.LogCaptureFixture
) -> None:
    async with reporting_cad(hass, freezer) as (_, cad, truth):
        meter = cad.meter
        meter.import_kwh = 0.0
        await uploads(hass, freezer, cad, 8)
        truth.assert_exact()
    resets = [r for r in caplog.records if "restarted from zero" in r.getMessage()]
    assert len(resets) == 1 and resets[0].levelno == logging.WARNING


async def test_a_reset_read_after_the_cad_was_away_loses_nothing(
    hass: HomeAssistant, freezer
) -> None:
    """A young register (4 kWh) restarts while the CAD is offline for an hour; when it reports
    again, 2.5 kWh later, the register is above half of the old one."""
    async with reporting_cad(hass, freezer, ScriptedMeter(import_kwh=4.0)) as (_, cad, truth):
        meter = cad.meter
        meter.advance()
        meter.import_kwh = 0.0
        freezer.tick(timedelta(hours=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        await uploads(hass, freezer, cad, 1)
        assert 2.0 < meter.import_kwh < 4.0
        await uploads(hass, freezer, cad, 7)
        truth.assert_exact()


@pytest.mark.parametrize(
    ("bad", "before_the_restart"),
    [(lambda kwh: 72.508, True), (lambda kwh: kwh + 50_000, False)],
    ids=["glitch, restart, recovery", "restart, then a spike"],
)
async def test_a_restart_around_a_glitch_changes_nothing(
    hass: HomeAssistant, freezer, bad, before_the_restart: bool
) -> None:
    """What the ledger held, and the register's last time, are stored: the first upload after
    a reload is checked as any other."""
    async with reporting_cad(hass, freezer) as (entry, cad, truth):
        meter = cad.meter
        if before_the_restart:
            meter.import_glitches.append(bad(meter.import_kwh))
            await uploads(hass, freezer, cad, 1)
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        if not before_the_restart:
            meter.import_glitches.append(bad(meter.import_kwh))
        await uploads(hass, freezer, cad, 3)
        truth.assert_exact()


async def test_a_new_meter_at_a_new_level_is_taken_without_booking_the_step(
    hass: HomeAssistant, freezer
) -> None:
    async with reporting_cad(hass, freezer) as (_, cad, truth):
        meter = cad.meter
        meter.import_kwh = 20.0 + meter.import_kwh * 3  # a new meter's register, say
        await uploads(hass, freezer, cad, 8)
        # What was used between the old meter's last upload and the new one's first is unknown
        # (a meter exchange takes longer than 10 s); everything after is booked.
        truth.assert_exact(within_kwh=meter.power_w / 1000 * UPLOAD_EVERY.total_seconds() / 3600)
