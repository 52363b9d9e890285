"""Benchmark: the home view's CPU per 1,000 mains updates with 50 known devices, and the Sense
bridge's answer time, each against a reference measured in the same run.

- Mains updates: a real Home Assistant (child process, pinned to CPU 0) gets 1,000 mains state
  changes through the REST API, once without and once with the home entry (50 known devices).
  The reference is the run without it: the difference is what the home view costs.
- Sense bridge: a client on CPU 1 sends the Sense query from 200 loopback addresses in turn (8 a
  second, within the bridge's rate limits) and times each query -> all 20 plug answers. The
  reference is a bare UDP responder on CPU 0 that sends 20 prepared datagrams. Then one source
  floods the bridge: it must get one answer round a second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path
import statistics
import sys
import tempfile
import time

import aiohttp

from devkit.ha_client import HomeAssistantClient
from devkit.ha_process import (
    REPO,
    bench_configuration,
    cpu_seconds,
    home_assistant,
    link_integration,
    pin_to_cpu,
)
from devkit.simulators.kasa_device import encrypt
from devkit.simulators.mosquitto_broker import free_port

DEVICES = 50
UPDATES = 1000
QUERY = encrypt(b'{"emeter":{"get_realtime":{}},"system":{"get_sysinfo":{}}}')


async def set_state(client: HomeAssistantClient, entity_id: str, watts: float) -> None:
    async with client.session.post(
        f"{client.base_url}/api/states/{entity_id}",
        json={
            "state": str(watts),
            "attributes": {"unit_of_measurement": "W", "device_class": "power"},
        },
        headers={"Authorization": f"Bearer {client.token}"},
    ) as response:
        response.raise_for_status()


async def mains_updates(client: HomeAssistantClient, pid: int) -> float:
    """CPU seconds of Home Assistant for UPDATES mains changes (a step every 10th)."""
    start = cpu_seconds(pid)
    for n in range(UPDATES):
        await set_state(client, "sensor.mains", 500 + (2000 if (n // 10) % 2 else 0) + n % 7)
    await asyncio.sleep(1)
    return cpu_seconds(pid) - start


class Collector(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received = 0
        self.arrived = asyncio.Event()

    def datagram_received(self, data: bytes, addr) -> None:
        self.received += 1
        self.arrived.set()


async def answer_round(port: int, plugs: int, source: str) -> float | None:
    """Seconds from a query to its last plug answer, from one source address (None: lost)."""
    loop = asyncio.get_running_loop()
    transport, collector = await loop.create_datagram_endpoint(Collector, local_addr=(source, 0))
    try:
        started = time.perf_counter()
        transport.sendto(QUERY, ("127.0.0.1", port))
        async with asyncio.timeout(1):
            while collector.received < plugs:
                collector.arrived.clear()
                await collector.arrived.wait()
        return time.perf_counter() - started
    except TimeoutError:
        return None
    finally:
        transport.close()


async def round_latencies(port: int, plugs: int, rounds: int) -> list[float]:
    """Query -> all answers, each round from another loopback address, 8 rounds a second (the
    bridge answers one round per address per second and 10 in all, as a Sense monitor needs)."""
    results = []
    for n in range(rounds):
        if (seconds := await answer_round(port, plugs, f"127.0.0.{2 + n % 250}")) is not None:
            results.append(seconds)
        await asyncio.sleep(0.125)
    return sorted(results)


async def flood_rounds(port: int, plugs: int, seconds: float) -> float:
    """Answer rounds per second one source gets when it floods the bridge with queries."""
    loop = asyncio.get_running_loop()
    transport, collector = await loop.create_datagram_endpoint(
        Collector, local_addr=("127.0.0.1", 0)
    )
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            transport.sendto(QUERY, ("127.0.0.1", port))
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.3)
    finally:
        transport.close()
    return collector.received / plugs / seconds


BARE_RESPONDER = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[3])
from custom_components.lanmeter.home.sense_bridge import PlugReading, encrypt, plug_answer
answers = [encrypt(json.dumps(plug_answer(PlugReading(f"sensor.p{n}", f"P{n}", 10.0))).encode())
           for n in range(int(sys.argv[2]))]
class Bare(asyncio.DatagramProtocol):
    def connection_made(self, transport): self.transport = transport
    def datagram_received(self, data, addr):
        for answer in answers: self.transport.sendto(answer, addr)
async def main():
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Bare, local_addr=("127.0.0.1", int(sys.argv[1])))
    await asyncio.Event().wait()
asyncio.run(main())
"""


async def run(seconds: float) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config_dir = Path(tmp) / "config"
        http_port, sense_port, bare_port = free_port(), free_port(), free_port()
        link_integration(config_dir, bench_configuration(http_port))
        bare = await asyncio.create_subprocess_exec(
            "taskset",
            "-c",
            "0",
            sys.executable,
            "-c",
            BARE_RESPONDER,
            str(bare_port),
            "20",
            str(REPO),
        )
        await asyncio.sleep(1.5)
        bare_rounds = await round_latencies(bare_port, 20, 200)
        results["bare_round_median_ms"] = statistics.median(bare_rounds) * 1000
        bare.terminate()
        await bare.wait()
        async with (
            home_assistant(config_dir, "--skip-pip", quiet=True) as hass,
            aiohttp.ClientSession() as session,
        ):
            await pin_to_cpu(hass.pid)
            client = HomeAssistantClient(session, f"http://127.0.0.1:{http_port}")
            await client.wait_until_up()
            await client.onboard_or_login("bench", "bench-lanmeter")
            devices = [f"sensor.device_{n}_power" for n in range(DEVICES)]
            for n, entity_id in enumerate(devices):
                await set_state(client, entity_id, 10 + n)
            await set_state(client, "sensor.mains", 500)
            results["cpu_s_without_home"] = await mains_updates(client, hass.pid)
            outcome = await client.add_device(
                "lanmeter",
                [
                    {"next_step_id": "home"},
                    {
                        "mains": "sensor.mains",
                        "devices": devices,
                        "step_threshold": 30,
                        "emulate_sense": True,
                        "sense_port": sense_port,
                    },
                ],
            )
            assert outcome.startswith("added"), outcome
            await asyncio.sleep(2)
            results["cpu_s_with_home"] = await mains_updates(client, hass.pid)
            rounds = await round_latencies(sense_port, 20, 200)
            results["bridge_round_median_ms"] = statistics.median(rounds) * 1000
            results["bridge_round_p99_ms"] = rounds[int(len(rounds) * 0.99) - 1] * 1000
            results["bridge_rounds_answered"] = len(rounds)
            results["flood_rounds_per_s"] = await flood_rounds(sense_port, 20, seconds)
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench home", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10, help="query load time")
    args = parser.parse_args(argv)
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {1})
    r = asyncio.run(run(args.seconds))
    print(json.dumps(r, indent=2))
    extra_ms = (r["cpu_s_with_home"] - r["cpu_s_without_home"]) * 1000
    print(
        f"\n{UPDATES} mains updates with {DEVICES} known devices: Home Assistant CPU "
        f"{r['cpu_s_with_home']:.2f} s with the home view / {r['cpu_s_without_home']:.2f} s "
        f"without = {r['cpu_s_with_home'] / r['cpu_s_without_home']:.2f}x "
        f"(the home view's own share: {extra_ms:.0f} ms per 1,000 updates)\n"
        f"Sense bridge, query -> all 20 plug answers: median {r['bridge_round_median_ms']:.2f} ms"
        f" (p99 {r['bridge_round_p99_ms']:.2f} ms; {r['bridge_rounds_answered']:.0f}/200 rounds) / "
        f"bare responder {r['bare_round_median_ms']:.2f} ms = "
        f"{r['bridge_round_median_ms'] / r['bare_round_median_ms']:.2f}x\n"
        f"One source flooding the bridge gets {r['flood_rounds_per_s']:.1f} answer rounds/s "
        "(limit 1)"
    )
