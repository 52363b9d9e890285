"""A TP-Link Kasa strip or plug on 127.0.0.1, speaking the real protocol on TCP and UDP.

Wire format (see protocols/kasa.md): XOR autokey cipher (initial key 171); TCP frames carry a
4-byte big-endian plaintext length; UDP datagrams carry none. The TCP server serves many requests
per connection, as python-kasa keeps one connection open. The UDP answer comes from the queried
port. Outlet loads are set by tests (`set_load`) or by a script (the demo); energy accumulates from
them over the true time of the simulator's clock (tests: Home Assistant's, see clock.py), and the
meter's days (daystat, "today", get_time) follow the strip's own clock, which may be wrong.

The simulator starts from a sysinfo template: a capture of a real device (tests) or the built-in
HS300 template (the demo; a user's clone has no captures). Tests check the template against the
captures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import copy
from dataclasses import dataclass, field
import datetime as dt
import hashlib
import json
from pathlib import Path
import random
import struct
import time
from typing import Any
from zoneinfo import ZoneInfo

from kasa.iot.iottimezone import TIMEZONE_INDEX

from .clock import DeviceClock

INITIAL_KEY = 171


def encrypt(plaintext: bytes) -> bytes:
    """XOR autokey: each output byte becomes the key for the next."""
    key = INITIAL_KEY
    out = bytearray()
    for byte in plaintext:
        key ^= byte
        out.append(key)
    return bytes(out)


def decrypt(ciphertext: bytes) -> bytes:
    """Inverse of encrypt: each input byte becomes the key for the next."""
    key = INITIAL_KEY
    out = bytearray()
    for byte in ciphertext:
        out.append(key ^ byte)
        key = byte
    return bytes(out)


def hs300_template() -> dict[str, Any]:
    """An HS300 (US) hw 2.0 sysinfo, written from the protocol facts (checked against captures)."""
    return {
        "sw_ver": "1.0.12 Build 210114 Rel.110316",
        "hw_ver": "2.0",
        "model": "HS300(US)",
        "deviceId": "0" * 40,
        "oemId": "0" * 32,
        "hwId": "0" * 32,
        "rssi": -45,
        "latitude_i": 0,
        "longitude_i": 0,
        "alias": "Power strip",
        "status": "new",
        "mic_type": "IOT.SMARTPLUGSWITCH",
        "feature": "TIM:ENE",
        "mac": "00:00:00:00:00:00",
        "updating": 0,
        "led_off": 0,
        "children": [
            {
                "id": f"SCRUBBED_CHILD_DEVICE_ID_{n}",
                "state": 0,
                "alias": f"Outlet {n}",
                "on_time": 0,
                "next_action": {"type": -1},
            }
            for n in range(1, 7)
        ],
        "child_num": 6,
        "err_code": 0,
    }


@dataclass
class Outlet:
    """One relay with its meter. Energy integrates the load while the relay is on."""

    id: str | None
    on: bool
    load_w: float = 0.0
    total_wh: float = 0.0
    today_wh: float = 0.0
    used_wh: float = 0.0  # the truth: energy through the relay, across meter restarts
    glitches: list[float] = field(default_factory=list)  # bad total_wh, one per meter answer
    switched_at: float = 0.0  # true unix seconds of the last relay change
    history_wh: dict[dt.date, float] = field(default_factory=dict)  # past days, as the meter keeps
    month_history_wh: dict[dt.date, float] = field(default_factory=dict)  # months kept as totals

    def power_w(self) -> float:
        return self.load_w if self.on else 0.0


class SimulatedKasaDevice:
    """One simulated strip or plug. Use `async with` or start()/stop()."""

    def __init__(
        self,
        sysinfo: dict[str, Any],
        realtime_style: str = "milli",
        *,
        mac: str = "50:C7:BF:00:00:01",
        voltage_v: float = 120.0,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: DeviceClock | None = None,
    ) -> None:
        self.clock = clock or DeviceClock()
        self.timezone_index: int | None = None  # set_timezone's index, once the strip was told
        self.clock_requests: list[tuple[str, dict[str, Any]]] = []
        self.refuse_time = False  # answer set_time/set_timezone with an error (old firmware)
        self.cloud_connected = False  # behind the owner's firewall
        self.host = host
        self.port = port
        self.sysinfo = copy.deepcopy(sysinfo)
        self.sysinfo["mac"] = mac
        self.realtime_style = realtime_style  # "milli" (HS300, KP115) or "unit" (HS110 v1)
        self.voltage_v = voltage_v
        self._noise = random.Random(mac)  # seeded: a run repeats exactly
        device_id = hashlib.sha1(mac.encode()).hexdigest().upper()
        self.sysinfo["deviceId"] = device_id
        self.has_meter = "ENE" in self.sysinfo.get("feature", "")
        self.outlets: list[Outlet] = []
        for slot, child in enumerate(self.sysinfo.get("children", [])):
            child["id"] = f"{device_id}{slot:02d}"
            self.outlets.append(Outlet(child["id"], bool(child["state"])))
        if not self.outlets:
            self.outlets.append(Outlet(None, bool(self.sysinfo.get("relay_state", 0))))
        for outlet in self.outlets:
            outlet.switched_at = self.clock.true_timestamp()
        self.silent = False
        self.powered = True  # False between power_off() and power_on(): nothing is counted
        # Benchmarks replace the outlets' loads with a function of (slot, monotonic time).
        self.load_fn: Callable[[int, float], float] | None = None
        self.faults: list[str] = []  # consumed one per TCP request: bad_json, short_frame, err_code
        self.requests: list[dict[str, Any]] = []
        self.bytes_in = 0
        self.bytes_out = 0
        self._last_tick = self.clock.true_timestamp()
        self._day = self.clock.today()  # the meter's "today", in the strip's own date
        self._tcp: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._connections: set[asyncio.StreamWriter] = set()

    @classmethod
    def from_capture(cls, path: Path, **kwargs: Any) -> SimulatedKasaDevice:
        """A device that answers with a real device's recorded sysinfo and realtime format."""
        capture = json.loads(path.read_text())
        realtime = capture.get("emeter", {}).get("get_realtime", {})
        style = "unit" if "power" in realtime else "milli"
        return cls(capture["system"]["get_sysinfo"], style, **kwargs)

    @classmethod
    def hs300(cls, **kwargs: Any) -> SimulatedKasaDevice:
        return cls(hs300_template(), "milli", **kwargs)

    # ----- control from tests and the demo -------------------------------------------------

    @property
    def mac(self) -> str:
        return self.sysinfo["mac"]

    @property
    def child_ids(self) -> list[str]:
        return [o.id for o in self.outlets if o.id]

    def set_load(self, slot: int, watts: float) -> None:
        self._tick()
        self.outlets[slot].load_w = watts

    def with_history(self, days: int = 35, seed: int = 0, months: int = 0) -> SimulatedKasaDevice:
        """Weeks of plausible daily use per outlet (what a strip's meter keeps for daystat and
        monthstat): around what its load would use in ~3 hours a day, varying by day.

        With `months`, the daily records reach back to the first of their earliest month and
        the `months` before it are kept only as monthly totals (get_monthstat, no daystat).
        """
        rng = random.Random(f"{self.mac}-{seed}")
        today = self._day
        earliest = today - dt.timedelta(days=days)
        if months:
            earliest = earliest.replace(day=1)
        for outlet in self.outlets:
            typical_wh = max(outlet.load_w, rng.uniform(20, 120)) * rng.uniform(1.5, 4.0)
            day = today - dt.timedelta(days=1)
            while day >= earliest:
                outlet.history_wh[day] = round(typical_wh * rng.uniform(0.4, 1.6), 1)
                day -= dt.timedelta(days=1)
            month = earliest
            for _ in range(months):
                month = (month - dt.timedelta(days=1)).replace(day=1)
                outlet.month_history_wh[month] = round(typical_wh * 30 * rng.uniform(0.7, 1.3))
            outlet.total_wh += sum(outlet.history_wh.values())
            outlet.total_wh += sum(outlet.month_history_wh.values())
        return self

    def power_cut(self) -> None:
        """A short loss of power: power_off() and power_on() at once."""
        self.power_off()
        self.power_on()

    def power_off(self) -> None:
        """The strip loses power: it answers nothing, counts nothing, and its meters (and the
        day's count) are gone."""
        self._tick()
        self.powered = False
        self.silent = True
        for outlet in self.outlets:
            outlet.total_wh = 0.0
            outlet.today_wh = 0.0

    def power_on(self) -> None:
        """Power is back: the relays come back as they were, so a relay that is on restarts its
        on-time; the meters count from zero."""
        self._tick()
        self.powered = True
        self.silent = False
        now = self.clock.true_timestamp()
        for outlet in self.outlets:
            if outlet.on:
                outlet.switched_at = now

    async def drop_connections(self) -> None:
        for writer in list(self._connections):
            writer.close()

    def _tick(self) -> None:
        now = self.clock.true_timestamp()
        hours = max(now - self._last_tick, 0.0) / 3600
        self._last_tick = now
        if not self.powered:
            return
        for outlet in self.outlets:
            energy = outlet.power_w() * hours
            outlet.total_wh += energy
            outlet.today_wh += energy
            outlet.used_wh += energy
        day = self.clock.today()
        if day != self._day:
            # The strip's midnight (by its own clock): today's count becomes a daystat record.
            for outlet in self.outlets:
                if outlet.today_wh or self._day in outlet.history_wh:
                    outlet.history_wh[self._day] = (
                        outlet.history_wh.get(self._day, 0.0) + outlet.today_wh
                    )
                outlet.today_wh = outlet.history_wh.pop(day, 0.0)
            self._day = day

    # ----- protocol ------------------------------------------------------------------------

    def _realtime(self, outlet: Outlet, slot: int) -> dict[str, Any]:
        total_wh = outlet.glitches.pop(0) if outlet.glitches else outlet.total_wh
        power = outlet.power_w()
        if self.load_fn is not None and outlet.on:
            power = self.load_fn(slot, time.monotonic())
        voltage = self.voltage_v + self._noise.uniform(-0.5, 0.5)
        current = power / voltage
        if self.realtime_style == "unit":
            return {
                "voltage": round(voltage, 6),
                "current": round(current, 6),
                "power": round(power, 6),
                "total": round(total_wh / 1000, 3),
                "err_code": 0,
            }
        answer = {
            "voltage_mv": round(voltage * 1000),
            "current_ma": round(current * 1000),
            "power_mw": round(power * 1000),
            "total_wh": int(total_wh),
            "err_code": 0,
        }
        if outlet.id is not None:
            answer["slot_id"] = slot
        return answer

    def _current_sysinfo(self) -> dict[str, Any]:
        info = copy.deepcopy(self.sysinfo)
        now = self.clock.true_timestamp()
        if "children" in info:
            for child, outlet in zip(info["children"], self.outlets, strict=True):
                child["state"] = int(outlet.on)
                child["on_time"] = int(now - outlet.switched_at) if outlet.on else 0
        else:
            info["relay_state"] = int(self.outlets[0].on)
            info["on_time"] = int(now - self.outlets[0].switched_at) if self.outlets[0].on else 0
        return info

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one decoded request the way the firmware does."""
        self._tick()
        response: dict[str, Any] = {}
        targets = list(range(len(self.outlets)))
        context = request.get("context")
        if context is not None:
            ids = context.get("child_ids", [])
            slots = [i for i, o in enumerate(self.outlets) if o.id in ids]
            if len(slots) != len(ids) or not slots:
                return {
                    module: {"err_code": -14, "err_msg": "entry not exist"}
                    for module in request
                    if module != "context"
                }
            targets = slots
        for module, methods in request.items():
            if module == "context":
                continue
            if module not in ("system", "emeter", "time", "cnCloud") or (
                module == "emeter" and not self.has_meter
            ):
                response[module] = {"err_code": -1, "err_msg": "module not support"}
                continue
            answers = {}
            for method, args in (methods or {}).items():
                answers[method] = self._method(module, method, args or {}, targets)
            response[module] = answers
        return response

    def _method(
        self, module: str, method: str, args: dict[str, Any], targets: list[int]
    ) -> dict[str, Any]:
        if (module, method) == ("system", "get_sysinfo"):
            return self._current_sysinfo()
        if (module, method) == ("system", "set_relay_state"):
            for slot in targets:
                outlet = self.outlets[slot]
                on = bool(args.get("state"))
                if on != outlet.on:
                    outlet.on = on
                    outlet.switched_at = self.clock.true_timestamp()
            return {"err_code": 0}
        if (module, method) == ("system", "set_led_off"):
            self.sysinfo["led_off"] = int(bool(args.get("off")))
            return {"err_code": 0}
        if module == "time":
            return self._time(method, args)
        if (module, method) == ("cnCloud", "get_info"):  # the fields python-kasa reads
            return {
                "username": "", "server": "n-devs.tplinkcloud.com", "binded": 1,
                "cld_connection": int(self.cloud_connected), "illegalType": 0,
                "stopConnect": 0, "tcspStatus": 0, "fwDlPage": "", "tcspInfo": "",
                "fwNotifyType": -1, "err_code": 0,
            }  # fmt: skip
        if (module, method) == ("emeter", "get_realtime"):
            slot = targets[0]
            return self._realtime(self.outlets[slot], slot)
        if (module, method) == ("emeter", "get_daystat"):
            outlet = self.outlets[targets[0]]
            year, month = args.get("year"), args.get("month")
            days = [
                self._energy_entry(day, wh, with_day=True)
                for day, wh in sorted(self._days(outlet).items())
                if (day.year, day.month) == (year, month)
            ]
            return {"day_list": days, "err_code": 0}
        if (module, method) == ("emeter", "get_monthstat"):
            outlet = self.outlets[targets[0]]
            by_month: dict[dt.date, float] = {
                first: wh
                for first, wh in outlet.month_history_wh.items()
                if first.year == args.get("year")
            }
            for day, wh in self._days(outlet).items():
                if day.year == args.get("year"):
                    first = day.replace(day=1)
                    by_month[first] = by_month.get(first, 0.0) + wh
            months = [
                self._energy_entry(first, wh, with_day=False)
                for first, wh in sorted(by_month.items())
            ]
            return {"month_list": months, "err_code": 0}
        return {"err_code": -2, "err_msg": "member not support"}

    def _days(self, outlet: Outlet) -> dict[dt.date, float]:
        return {**outlet.history_wh, self._day: outlet.today_wh}

    def _timezone_index(self) -> int:
        """The index of the zone the strip's clock shows. Firmware always answers one of its
        table's: a zone not in it gets the first with the same offset now (as the Kasa app
        picks a zone from a list), else 0."""
        if self.timezone_index is not None:
            return self.timezone_index
        now = self.clock.now()
        key = getattr(now.tzinfo, "key", None)
        found = next((i for i, name in TIMEZONE_INDEX.items() if name == key), None)
        if found is None:
            offset = now.utcoffset()
            found = next(
                (
                    i
                    for i, name in TIMEZONE_INDEX.items()
                    if now.astimezone(ZoneInfo(name)).utcoffset() == offset
                ),
                0,
            )
        return found

    def _time(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """The `time` module as IOT firmware has it (python-kasa's IotTime speaks to it)."""
        if method == "get_time":
            now = self.clock.now()
            return {
                "year": now.year, "month": now.month, "mday": now.day,
                "hour": now.hour, "min": now.minute, "sec": now.second, "err_code": 0,
            }  # fmt: skip
        if method == "get_timezone":
            return {"index": self._timezone_index(), "err_code": 0}
        if method in ("set_time", "set_timezone"):
            self.clock_requests.append((method, dict(args)))
            if self.refuse_time:
                return {"err_code": -3, "err_msg": "invalid argument"}
            try:
                wall = dt.datetime(
                    args["year"], args["month"], args["mday"], args["hour"], args["min"],
                    args["sec"],
                )  # fmt: skip
                zone = None
                if method == "set_timezone":
                    zone = ZoneInfo(TIMEZONE_INDEX[int(args["index"])])
            except (KeyError, TypeError, ValueError):
                return {"err_code": -3, "err_msg": "invalid argument"}
            self._tick()  # energy so far belongs to the old clock's day
            if zone is not None:
                self.timezone_index = int(args["index"])
            self.clock.set_wall(wall, zone)
            return {"err_code": 0}
        return {"err_code": -2, "err_msg": "member not support"}

    def _energy_entry(self, day: dt.date, wh: float, *, with_day: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"year": day.year, "month": day.month}
        if with_day:
            entry["day"] = day.day
        if self.realtime_style == "unit":
            entry["energy"] = round(wh / 1000, 3)
        else:
            entry["energy_wh"] = int(wh)
        return entry

    # ----- servers -------------------------------------------------------------------------

    async def start(self) -> None:
        self._tcp = await asyncio.start_server(self._serve_tcp, self.host, self.port)
        self.port = self._tcp.sockets[0].getsockname()[1]
        loop = asyncio.get_running_loop()
        self._udp, _ = await loop.create_datagram_endpoint(
            lambda: _DiscoveryProtocol(self), local_addr=(self.host, self.port)
        )

    async def stop(self) -> None:
        if self._udp:
            self._udp.close()
        if self._tcp:
            self._tcp.close()
            for writer in list(self._connections):
                writer.close()
            await self._tcp.wait_closed()

    async def __aenter__(self) -> SimulatedKasaDevice:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:
                header = await reader.readexactly(4)
                (length,) = struct.unpack(">I", header)
                body = await reader.readexactly(length)
                self.bytes_in += 4 + length
                if self.silent:
                    continue  # a device that has gone away: the request is never answered
                try:
                    request = json.loads(decrypt(body))
                except ValueError:
                    writer.close()
                    return
                self.requests.append(request)
                fault = self.faults.pop(0) if self.faults else None
                if fault == "bad_json":
                    payload = b'{"system":{"get_sysinfo":{"err_code":0,'
                elif fault == "err_code":
                    payload = json.dumps(
                        {m: {"err_code": -1, "err_msg": "module not support"} for m in request}
                    ).encode()
                else:
                    payload = json.dumps(self.handle(request)).encode()
                frame = struct.pack(">I", len(payload)) + encrypt(payload)
                if fault == "short_frame":
                    frame = frame[: len(frame) // 2]
                    writer.write(frame)
                    await writer.drain()
                    writer.close()
                    return
                writer.write(frame)
                self.bytes_out += len(frame)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()


class _DiscoveryProtocol(asyncio.DatagramProtocol):
    """UDP 9999: answer a get_sysinfo query from the port that was queried."""

    def __init__(self, device: SimulatedKasaDevice) -> None:
        self.device = device
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.device.silent or self.transport is None:
            return
        try:
            request = json.loads(decrypt(data))
        except ValueError:
            return
        if not isinstance(request, dict) or "system" not in request:
            return
        answer = self.device.handle(request)
        self.transport.sendto(encrypt(json.dumps(answer).encode()), addr)
