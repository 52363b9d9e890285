"""Glow CAD readings: one shape for both feeds (the /zb02 upload and local MQTT).

Pure Python, no Home Assistant import. A field is None when the CAD did not send it or sent one of
the field's known bad values; `rejected` names what was thrown away and why, for diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# The CAD's clock is untrustworthy without NTP (it falls back to 1970). Readings claiming a time
# before the CAD existed, or well ahead of now, get the time they were received instead.
EARLIEST_PLAUSIBLE = datetime(2019, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(hours=1)

# Identifiers the field sends instead of a real MPAN / MPRN / supplier.
PLACEHOLDER_TEXT = {"", "read pending", "empty", "---", "none", "null"}


@dataclass
class GlowReading:
    """What one upload or message says; None = not sent, or rejected."""

    power_w: float | None = None
    import_kwh: float | None = None
    export_kwh: float | None = None
    import_today_kwh: float | None = None
    import_week_kwh: float | None = None
    import_month_kwh: float | None = None
    mpan: str | None = None
    supplier: str | None = None
    unit_rate_gbp: float | None = None
    standing_charge_gbp: float | None = None
    gas_m3: float | None = None
    gas_kwh: float | None = None
    gas_today_kwh: float | None = None
    gas_week_kwh: float | None = None
    gas_month_kwh: float | None = None
    mprn: str | None = None
    gas_unit_rate_gbp: float | None = None
    gas_standing_charge_gbp: float | None = None
    han_rssi_dbm: int | None = None
    han_lqi: int | None = None
    firmware: str | None = None
    hardware: str | None = None
    read_at: datetime | None = None  # on Home Assistant's clock (the coordinator places it)
    device_time: datetime | None = None  # what the CAD's own clock said, as sent
    rejected: list[str] = field(default_factory=list)

    def merged_into(self, previous: GlowReading | None) -> GlowReading:
        """This reading over the previous one: fields this message lacks keep their last value.

        Electricity and gas arrive in separate messages (and gas only every 30 minutes), so a
        message without gas must not blank the gas sensors.
        """
        if previous is None:
            return self
        values = {
            name: getattr(self, name)
            if getattr(self, name) is not None
            else getattr(previous, name)
            for name in self.__dataclass_fields__
            if name != "rejected"
        }
        return GlowReading(**values, rejected=list(self.rejected))


def plausible_time(claimed: datetime | None, received: datetime) -> datetime:
    """The CAD's time if believable, else the receive time."""
    if claimed is None or claimed < EARLIEST_PLAUSIBLE or claimed > received + FUTURE_SLACK:
        return received
    return claimed


def clean_identifier(value: object) -> str | None:
    """An MPAN, MPRN or supplier name, or None for the field's placeholders."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return None if text.lower() in PLACEHOLDER_TEXT else text


def nested(data: Any, *path: str) -> Any:
    """The value at a path of keys through nested JSON objects, or None where one is missing."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
