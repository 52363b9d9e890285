"""Decode the CAD's plain-text tariff upload (the answer to CURPRICE). Pure Python.

    EPRICE:<comma-separated hex fields>\\r\\nESTDCHG:<comma-separated hex fields>

Field 12 of EPRICE is the unit price and field 0 of ESTDCHG the standing charge, both raw / 100 =
pence; EPRICE fields 5 and 10 are times in seconds since 2000-01-01 UTC (protocols/glow.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import re

ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
UNIT_PRICE_FIELD = 12
STANDING_CHARGE_FIELD = 0
TIME_FIELDS = (5, 10)


class TariffError(ValueError):
    """The text is not a tariff upload, or its price fields are missing or not hex."""


@dataclass(frozen=True)
class Tariff:
    unit_rate_gbp: float  # per kWh
    standing_charge_gbp: float | None  # per day
    times: tuple[datetime | None, ...]


def is_tariff_text(body: bytes) -> bool:
    return body.lstrip().startswith((b"EPRICE:", b"ESTDCHG:"))


# Hex digits only (int(x, 16) would take "-1", "0x1" and "1_0"), at most 8 bytes a field.
HEX_FIELD = re.compile(r"[0-9A-Fa-f]{1,16}")
MAX_FIELDS = 32


def _fields(line: str) -> list[int]:
    parts = [part.strip() for part in line.split(":", 1)[1].split(",")] if ":" in line else []
    if not parts or len(parts) > MAX_FIELDS or not all(HEX_FIELD.fullmatch(p) for p in parts):
        raise TariffError(f"not comma-separated hex: {line[:60]!r}")
    return [int(part, 16) for part in parts]


def _time(seconds: int) -> datetime | None:
    """Seconds since 2000 (0: not set); a time past what a datetime holds is refused."""
    if not seconds:
        return None
    try:
        return ZIGBEE_EPOCH + timedelta(seconds=seconds)
    except OverflowError as err:
        raise TariffError(f"time field {seconds:#x} is out of range") from err


def decode_tariff(text: str) -> Tariff:
    lines = {
        line.split(":", 1)[0].strip(): line
        for line in text.replace("\r", "\n").split("\n")
        if ":" in line
    }
    if "EPRICE" not in lines:
        raise TariffError("no EPRICE line")
    eprice = _fields(lines["EPRICE"])
    if len(eprice) <= UNIT_PRICE_FIELD:
        raise TariffError(f"EPRICE has {len(eprice)} fields, the unit price is field 12")
    standing = None
    if "ESTDCHG" in lines:
        estdchg = _fields(lines["ESTDCHG"])
        standing = estdchg[STANDING_CHARGE_FIELD] / 100 / 100
    times = tuple(_time(eprice[i]) if i < len(eprice) else None for i in TIME_FIELDS)
    return Tariff(eprice[UNIT_PRICE_FIELD] / 100 / 100, standing, times)
