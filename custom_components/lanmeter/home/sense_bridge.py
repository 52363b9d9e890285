"""Answer a Sense monitor's UDP 9999 queries as emulated TP-Link HS110 plugs. Pure asyncio.

Sense broadcasts {"emeter":{"get_realtime":{}},"system":{"get_sysinfo":{}}} (TP-Link XOR cipher,
no length prefix) every ~2 s; each emulated plug answers with one unicast datagram to the sender.
Sense tells plugs apart by MAC, so each MAC is derived from the Home Assistant entity it stands
for: stable across restarts, never random. Read-only: a request to switch anything is ignored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import hashlib
import json
import logging
from typing import Any

from kasa.transports.xortransport import XorEncryption

_LOGGER = logging.getLogger(__name__)

# Anecdotally a Sense monitor follows about 20 smart plugs; more would be ignored or confuse it.
MAX_PLUGS = 20
MODEL = "HS110(US)"
VOLTAGE_V = 120.0


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


class SenseBridge(asyncio.DatagramProtocol):
    """The UDP listener. `plugs()` gives the current readings (at most MAX_PLUGS are served)."""

    def __init__(self, plugs: Callable[[], list[PlugReading]]) -> None:
        self._plugs = plugs
        self.transport: asyncio.DatagramTransport | None = None
        self.queries = 0
        self.ignored = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            request = json.loads(decrypt(data))
        except (ValueError, UnicodeDecodeError):
            self.ignored += 1
            return
        if not is_query(request) or self.transport is None:
            self.ignored += 1
            return
        self.queries += 1
        for plug in self._plugs()[:MAX_PLUGS]:
            self.transport.sendto(encrypt(json.dumps(plug_answer(plug)).encode()), addr)


async def start_bridge(
    host: str, port: int, plugs: Callable[[], list[PlugReading]]
) -> tuple[asyncio.DatagramTransport, SenseBridge]:
    """Bind the UDP port (raises OSError when it is taken) and serve."""
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: SenseBridge(plugs), local_addr=(host, port), allow_broadcast=True
    )
    return transport, protocol  # type: ignore[return-value]
