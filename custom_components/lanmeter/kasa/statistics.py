"""Import an outlet's own energy history into Home Assistant's long-term statistics.

When a strip is added, the Energy dashboard would start empty: the strip's meter already kept
each outlet's daily energy for months (get_daystat, the last three months read) and monthly
totals before that (get_monthstat, read back to a year). LAN Meter imports those days into the
statistics of the outlet's *Energy total* sensor, ending where Home Assistant's own statistics
begin (kasa/history.py), so nothing is counted twice and a day Home Assistant already has is
never replaced. A second import (every setup) finds those days present and adds nothing.

After Home Assistant was down, the recorder books the whole downtime's energy into the first hour
after the restart. Once that hour's row exists (it is compiled when the hour ends, so the import
runs again then), the hours of the gap are filled from the same daily history and that energy
moves back to the days it was used on; the sums on both sides of the gap stay as they were. A
strip that was away while Home Assistant ran leaves the same gap: the import runs again an hour
after it answers.
"""

from __future__ import annotations

import datetime as dt
import logging

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from ..compat import energy_statistic_metadata
from ..const import DOMAIN
from .client import KasaConnectionError
from .const import outlet_id
from .coordinator import KasaCoordinator
from .history import (
    HOURS_BACK_DAYS,
    MONTHLY_MONTHS_BACK,
    HistoryRow,
    day_of,
    day_start,
    days_from_months,
    months_to_read,
    on_home_calendar,
    rows_before,
    rows_in_gaps,
)
from .readings import KasaAnswerError

_LOGGER = logging.getLogger(__name__)


async def async_import_history(hass: HomeAssistant, coordinator: KasaCoordinator) -> int:
    """Import every metered outlet's daily history; return the hourly rows imported."""
    if "recorder" not in hass.config.components or coordinator.data is None:
        return 0
    info = coordinator.data.reading.info
    if not info.has_meter:
        return 0
    registry = er.async_get(hass)
    imported = 0
    for outlet in info.outlets:
        entity_id = registry.async_get_entity_id(
            "sensor", DOMAIN, f"{outlet_id(info.mac, outlet.slot)}_energy_total"
        )
        if entity_id is None:
            continue
        try:
            rows = await _rows_for(hass, coordinator, outlet.slot, outlet.child_id, entity_id)
        except (KasaConnectionError, KasaAnswerError) as err:
            _LOGGER.info("%s: energy history not read (%s); tried again at the next start",
                         coordinator.name, err)  # fmt: skip
            return imported
        if rows:
            _import(hass, entity_id, rows)
            imported += len(rows)
    if imported:
        _LOGGER.info("%s: imported %d hours of energy history", coordinator.name, imported)
    return imported


async def _rows_for(
    hass: HomeAssistant,
    coordinator: KasaCoordinator,
    slot: int,
    child_id: str | None,
    entity_id: str,
) -> list[HistoryRow]:
    from homeassistant.components.recorder.statistics import statistics_during_period
    from homeassistant.helpers.recorder import get_instance

    tz = dt_util.get_default_time_zone()
    now = dt_util.now()
    # The meter dates its records by the strip's clock: read its months, then move its days to
    # Home Assistant's calendar by the measured offset.
    offset = coordinator.clock_offset()
    strip_today = coordinator.strip_date(now)
    days: dict[dt.date, float] = {}
    for year, month in months_to_read(strip_today):
        days |= await coordinator.client.day_energy(child_id, year, month)
    # Past months without daily records (older ones, or a meter that kept only totals); never
    # this month: its total is not over yet.
    past = months_to_read(strip_today, MONTHLY_MONTHS_BACK)[1:]
    months: dict[tuple[int, int], float] = {}
    for year in sorted({year for year, _ in past}, reverse=True):
        try:
            months |= await coordinator.client.month_energy(child_id, year)
        except KasaAnswerError as err:  # an old firmware without monthly totals: days only
            _LOGGER.debug("%s: no monthly energy for %s (%s)", coordinator.name, year, err)
    days |= days_from_months({m: kwh for m, kwh in months.items() if m in past}, days)
    days, lead = on_home_calendar(days, offset)
    if not days:
        return []
    # The meter's hours, where it keeps them (a SMART plug: about a week): they shape its days.
    try:
        hours = await coordinator.client.hour_energy(
            child_id, strip_today - dt.timedelta(days=HOURS_BACK_DAYS), strip_today
        )
    except KasaAnswerError as err:
        _LOGGER.debug("%s: no hourly energy (%s)", coordinator.name, err)
        hours = {}
    window_start = day_start(min(days), tz, lead)
    existing = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        window_start,
        None,
        {entity_id},
        "hour",
        None,
        {"sum", "state"},
    )
    rows = [
        HistoryRow(
            dt_util.as_local(dt_util.utc_from_timestamp(row["start"])),
            float(row.get("sum") or 0.0),
            float(row.get("state") or 0.0),
        )
        for row in existing.get(entity_id, [])
    ]
    if rows:
        # Join Home Assistant's first statistics row: the days before it are imported.
        first = rows[0]
        join_day = day_of(first.start, tz, lead)
        elapsed = first.start + dt.timedelta(hours=1) - day_start(join_day, tz, lead)
        share = min(max(elapsed.total_seconds() / 86400, 0.0), 1.0)
        before = rows_before(
            days,
            join_day,
            days.get(join_day, 0.0) * share,
            first.sum_kwh,
            first.state_kwh,
            tz,
            lead,
            hours,
        )
        return before + rows_in_gaps(days, rows, tz, lead, hours)
    # No statistics yet (a strip added just now): join the sensor's current total.
    total = coordinator.data.energy_total_kwh[slot] if coordinator.data else None
    if total is None:
        return []
    # The meter's day now runs since its own midnight (`lead` before or after ours).
    today = day_of(now, tz, lead)
    return rows_before(days, today, days.get(today, 0.0), 0.0, total, tz, lead, hours)


def _import(hass: HomeAssistant, entity_id: str, rows: list[HistoryRow]) -> None:
    from homeassistant.components.recorder.models import StatisticData
    from homeassistant.components.recorder.statistics import async_import_statistics

    async_import_statistics(
        hass,
        energy_statistic_metadata(entity_id),
        [StatisticData(start=row.start, sum=row.sum_kwh, state=row.state_kwh) for row in rows],
    )
