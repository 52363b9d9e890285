"""A Hildebrand Glow CAD that POSTs /zb02 uploads over HTTPS like the device.

It builds the raw ZigBee hex upload (the shape of captures/glow/raw_zigbee_hex_message.json) from
a scripted meter, sends X-ID and X-TS headers, and answers CURPRICE by posting its tariff text.
The encoding here is written independently of the integration's decoder, so the two check each
other; the conformance tests compare both with the real capture.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import ssl
from typing import Any

import aiohttp

from .clock import DeviceClock

ZIGBEE_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
DIVISOR = 1000


def hex_unsigned(value: int, width: int) -> str:
    return f"{value:0{width}X}"


def hex_signed(value: int, width: int) -> str:
    return f"{value & ((1 << (width * 4)) - 1):0{width}X}"


@dataclass
class ScriptedMeter:
    """A smart meter pair: electricity import/export and gas, advancing with power over time."""

    import_kwh: float = 5072.076
    export_kwh: float = 12.5
    power_w: float = 2547.0  # negative while exporting
    today_kwh: float = 7.971
    week_kwh: float = 18.962
    month_kwh: float = 72.764
    gas_m3: float = 2282.363
    gas_today_kwh: float = 39.452
    gas_week_kwh: float = 89.589
    gas_month_kwh: float = 278.708
    unit_pence: float = 24.50
    standing_pence: float = 53.35
    mpan: str = "1023497978063"
    mprn: str = "7443608110"
    supplier: str = "NPOWER NORTHERN"
    rssi_dbm: int = -65
    lqi: int = 140
    clock: float | None = None  # a fixed time for the CAD to claim; None: its device clock
    device_clock: DeviceClock = field(default_factory=DeviceClock)  # the test's, plus its error
    used_kwh: float = 0.0  # the truth: electricity imported since the simulation started
    import_glitches: list[float] = field(default_factory=list)  # bad import registers, one each
    _last: float | None = None

    @property
    def now(self) -> float:
        """What the CAD's clock says, unix seconds."""
        return self.clock if self.clock is not None else self.device_clock.timestamp()

    def advance(self) -> None:
        now = self.device_clock.true_timestamp()
        hours = max(now - (self._last if self._last is not None else now), 0.0) / 3600
        self._last = now
        energy = self.power_w / 1000 * hours
        if energy >= 0:
            self.used_kwh += energy
            self.import_kwh += energy
            self.today_kwh += energy
            self.week_kwh += energy
            self.month_kwh += energy
        else:
            self.export_kwh -= energy


def upload_body(meter: ScriptedMeter) -> dict[str, Any]:
    """The raw hex upload, attribute for attribute as in the real capture."""
    scaled = lambda kwh, width: hex_unsigned(round(kwh * DIVISOR), width)  # noqa: E731
    now = meter.now
    formatting = {"01": "00000001", "02": hex_unsigned(DIVISOR, 8), "03": "2B", "08": ""}
    return {
        "elecMtr": {
            "0702": {
                "03": {**formatting, "04": "00", "07": meter.mpan, "00": "00", "06": "00"},
                "00": {
                    "07": "00000000",
                    "01": scaled(meter.export_kwh, 12),
                    "00": scaled(
                        meter.import_glitches.pop(0) if meter.import_glitches else meter.import_kwh,
                        12,
                    ),
                    "14": "02",
                    "02": "000000000000",
                },
                "04": {
                    "01": scaled(meter.today_kwh, 6),
                    "40": scaled(meter.month_kwh, 6),
                    "30": scaled(meter.week_kwh, 6),
                    "00": hex_signed(round(meter.power_w), 8),
                },
                "02": {"00": "00"},
            },
            "0705": {"00": {"01": "00000000", "00": "0C94"}},
            "0708": {"01": {"01": meter.supplier}},
        },
        "gasMtr": {
            "0702": {
                "03": {**formatting, "12": "00", "07": meter.mprn, "00": "01", "06": "80"},
                "00": {"00": scaled(meter.gas_m3, 12), "14": "02"},
                "0C": {
                    "01": scaled(meter.gas_today_kwh, 6),
                    "40": scaled(meter.gas_month_kwh, 6),
                    "30": scaled(meter.gas_week_kwh, 6),
                },
                "02": {"00": "00"},
            },
            "0705": {"00": {"01": "00000000", "00": "0C94"}},
            "0708": {"01": {"01": ""}},
        },
        "ts": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "hversion": "GLOW-IHD-01-1v4-SMETS2",
        "time": hex_unsigned(int(now), 8),
        "zbSoftVer": "1.2.5",
        "gmtime": int(now),
        "pan": {
            "rssi": hex_signed(meter.rssi_dbm, 2),
            "status": "joined",
            "nPAN": "00",
            "join": "0",
            "lqi": hex_unsigned(meter.lqi, 2),
        },
        "smetsVer": "SMETS2",
        "ets": "2000-01-01 00:00:00",
        "gid": "0123456789ABCDEF",
    }


def tariff_text(meter: ScriptedMeter) -> str:
    """EPRICE (unit price in field 12) and ESTDCHG (standing charge in field 0), raw/100 = pence."""
    since_2000 = int(meter.now - ZIGBEE_EPOCH.timestamp())
    eprice = [0] * 14
    eprice[5] = eprice[10] = since_2000
    eprice[12] = round(meter.unit_pence * 100)
    estdchg = [round(meter.standing_pence * 100), since_2000]
    return (
        "EPRICE:" + ",".join(f"{v:X}" for v in eprice) + "\r\n"
        "ESTDCHG:" + ",".join(f"{v:X}" for v in estdchg)
    )


class SimulatedCad:
    """Posts like a CAD to a receiver URL (certificate not checked, as the device does not)."""

    def __init__(self, url: str, device_id: str, meter: ScriptedMeter | None = None) -> None:
        self.url = url
        self.device_id = device_id
        self.meter = meter or ScriptedMeter()
        self.answers: list[tuple[int, str]] = []
        self.tariffs_sent = 0
        self._ssl = ssl.create_default_context()
        self._ssl.check_hostname = False
        self._ssl.verify_mode = ssl.CERT_NONE
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SimulatedCad:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self._ssl, limit=1)
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session:
            await self._session.close()

    def _headers(self, content_type: str) -> dict[str, str]:
        return {
            "X-ID": self.device_id,
            "X-TS": f"{int(self.meter.now):X}",
            "Content-Type": content_type,
        }

    async def post_raw(
        self, body: bytes, content_type: str = "application/json", headers: dict | None = None
    ) -> tuple[int, str]:
        assert self._session is not None
        async with self._session.post(
            self.url, data=body, headers=headers or self._headers(content_type)
        ) as response:
            answer = (response.status, await response.text())
        self.answers.append(answer)
        return answer

    async def upload(self) -> tuple[int, str]:
        """One reading; if the receiver answers CURPRICE, the tariff follows (as the CAD does)."""
        self.meter.advance()
        answer = await self.post_raw(json.dumps(upload_body(self.meter)).encode())
        if answer == (200, "CURPRICE"):
            await self.post_raw(tariff_text(self.meter).encode(), "text/plain")
            self.tariffs_sent += 1
        return answer

    async def run(self, period_s: float = 10.0) -> None:
        """Upload forever (the demo); a refused connection is retried after a second."""
        while True:
            try:
                await self.upload()
            except aiohttp.ClientError:
                await asyncio.sleep(1)
                continue
            await asyncio.sleep(period_s)
