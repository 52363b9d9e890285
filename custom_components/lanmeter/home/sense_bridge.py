"""Answer a Sense monitor's UDP 9999 queries as emulated TP-Link HS110 plugs. Pure asyncio.

Sense broadcasts {"emeter":{"get_realtime":{}},"system":{"get_sysinfo":{}}} (TP-Link XOR cipher,
no length prefix) every ~2 s; each emulated plug answers with one unicast datagram to the sender.
Sense tells plugs apart by MAC, so each MAC is derived from the Home Assistant entity it stands
for: stable across restarts, never random. Read-only: a request to switch anything is ignored.

One small query makes up to MAX_PLUGS answers, so a spoofed source could turn the bridge into an
amplifier: each source gets at most one answer round per second (Sense asks every ~2 s), all
sources together at most GLOBAL_ROUNDS_PER_S, never a broadcast or multicast source, and, when
the user names the Sense monitor's addresses, only those.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import hashlib
import ipaddress
import json
import logging
import time
from typing import Any

from kasa.transports.xortransport import XorEncryption

_LOGGER = logging.getLogger(__name__)

# Anecdotally a Sense monitor follows about 20 smart plugs; more would be ignored or confuse it.
MAX_PLUGS = 20
MODEL = "HS110(US)"
VOLTAGE_V = 120.0
ROUND_INTERVAL_S = 1.0  # per source address
GLOBAL_ROUNDS_PER_S = 10  # all sources together: bounds the bridge's output whatever the spoofing
MAX_TRACKED_SOURCES = 1024


def encrypt(plaintext: bytes) -> bytes:
    """TP-Link XOR cipher without the TCP length prefix, as UDP uses it (python-kasa's)."""
    return XorEncryption.encrypt(plaintext.decode())[4:]


def decrypt(ciphertext: bytes) -> str:
    return XorEncryption.decrypt(ciphertext)


def mac_for(entity_id: str) -> str:
    """A locally administered unicast MAC from the entity id (stable, collision-unlikely)."""
    digest = hashlib.sha256(entity_id.encode()).digest()
    octets = [0x02, *digest[:5]]
    return ":".join(f"{octet:02X}" for octet in octets)


@dataclass(frozen=True)
class PlugReading:
    """What one emulated plug reports."""

    entity_id: str
    alias: str
    power_w: float
    total_kwh: float = 0.0


def plug_answer(plug: PlugReading) -> dict[str, Any]:
    mac = mac_for(plug.entity_id)
    device_id = hashlib.sha1(plug.entity_id.encode()).hexdigest().upper()
    return {
        "emeter": {
            "get_realtime": {
                "current": round(plug.power_w / VOLTAGE_V, 3),
                "voltage": VOLTAGE_V,
                "power": round(plug.power_w, 1),
                "total": round(plug.total_kwh, 3),
                "err_code": 0,
            }
        },
        "system": {
            "get_sysinfo": {
                "err_code": 0,
                "sw_ver": "1.2.6 Build 200727 Rel.121701",
                "hw_ver": "1.0",
                "type": "IOT.SMARTPLUGSWITCH",
                "mic_type": "IOT.SMARTPLUGSWITCH",
                "model": MODEL,
                "mac": mac,
                "deviceId": device_id,
                "hwId": device_id[:32],
                "oemId": device_id[8:40],
                "alias": plug.alias,
                "dev_name": "Smart Wi-Fi Plug With Energy Monitoring",
                "relay_state": 1 if plug.power_w > 0 else 0,
                "on_time": 0,
                "active_mode": "none",
                "feature": "TIM:ENE",
                "updating": 0,
                "led_off": 0,
                "rssi": -50,
                "latitude_i": 0,
                "longitude_i": 0,
            }
        },
    }


def is_query(request: Any) -> bool:
    """A query asks for sysinfo and/or an empty realtime; anything with values is an answer
    (ours, echoed by a broadcast, or another plug's) and anything else is not for us."""
    if not isinstance(request, dict):
        return False
    system = request.get("system")
    emeter = request.get("emeter")
    asks_sysinfo = isinstance(system, dict) and system.get("get_sysinfo") == {}
    asks_realtime = isinstance(emeter, dict) and emeter.get("get_realtime") == {}
    writes = any(
        isinstance(module, dict) and any(key.startswith("set_") for key in module)
        for module in request.values()
    )
    return (asks_sysinfo or asks_realtime) and not writes


def answerable_source(address: str, monitors: frozenset[str]) -> bool:
    """Unicast sources only (a broadcast or multicast "sender" is spoofed); the named monitors
    only, when the user named any."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.is_multicast or ip.is_unspecified or address == "255.255.255.255":
        return False
    return not monitors or address in monitors


class SenseBridge(asyncio.DatagramProtocol):
    """The UDP listener. `plugs()` gives the current readings (at most MAX_PLUGS are served)."""

    def __init__(
        self,
        plugs: Callable[[], list[PlugReading]],
        monitors: frozenset[str] = frozenset(),
    ) -> None:
        self._plugs = plugs
        self._monitors = monitors
        self._last_round: dict[str, float] = {}
        self._second = (0.0, 0)  # (start of the current second, rounds answered in it)
        self.transport: asyncio.DatagramTransport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queries = 0
        self.answers = 0  # datagrams sent: one per plug per answered query
        self.ignored = 0
        self.refused = 0  # queries from a source that may not be answered (now)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def _may_answer(self, address: str) -> bool:
        if not answerable_source(address, self._monitors):
            return False
        now = time.monotonic()
        if now - self._last_round.get(address, -ROUND_INTERVAL_S) < ROUND_INTERVAL_S:
            return False
        start, rounds = self._second
        if now - start >= 1.0:
            start, rounds = now, 0
        if rounds >= GLOBAL_ROUNDS_PER_S:
            return False
        self._second = (start, rounds + 1)
        if len(self._last_round) >= MAX_TRACKED_SOURCES:
            # Forget sources that could be answered again anyway; the table stays bounded.
            self._last_round = {
                a: t for a, t in self._last_round.items() if now - t < ROUND_INTERVAL_S
            }
        self._last_round[address] = now
        return True

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            request = json.loads(decrypt(data))
        except (ValueError, UnicodeDecodeError, RecursionError):
            self.ignored += 1
            return
        if not is_query(request) or self.transport is None:
            self.ignored += 1
            return
        if not self._may_answer(addr[0]):
            self.refused += 1
            return
        self.queries += 1
        for plug in self._plugs()[:MAX_PLUGS]:
            self.transport.sendto(encrypt(json.dumps(plug_answer(plug)).encode()), addr)
            self.answers += 1


async def start_bridge(
    port: int,
    plugs: Callable[[], list[PlugReading]],
    monitors: frozenset[str] = frozenset(),
    host: str = "0.0.0.0",  # Sense broadcasts: only a socket on every address receives that
) -> tuple[asyncio.DatagramTransport, SenseBridge]:
    """Bind the UDP port (raises OSError when it is taken) and serve."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: SenseBridge(plugs, monitors), local_addr=(host, port), allow_broadcast=True
    )
    return transport, protocol


async def stop_bridge(transport: asyncio.DatagramTransport, bridge: SenseBridge) -> None:
    """Close the socket and wait until it is really closed: asyncio closes it on a later loop
    iteration, and a reload that binds the same port before then fails with "in use"."""
    transport.close()
    await bridge.closed
