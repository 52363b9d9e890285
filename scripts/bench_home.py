"""Benchmark: the home view's CPU per 1,000 mains updates with 50 known devices, and the Sense
bridge's answered queries per second, each against a reference measured in the same run.

- Mains updates: a real Home Assistant (child process, pinned to CPU 0) gets 1,000 mains state
  changes through the REST API, once without and once with the home entry (50 known devices).
  The reference is the run without it: the difference is what the home view costs.
- Sense bridge: a client on CPU 1 sends the Sense query and waits for all 20 plug answers, as
  fast as it can. The reference is a bare UDP responder on CPU 0 that sends 20 prepared datagrams.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import sys
import tempfile
import time

import aiohttp

from scripts.ha_client import HomeAssistantClient
from scripts.ha_process import (
    REPO,
    bench_configuration,
    cpu_seconds,
    home_assistant,
    link_integration,
    pin_to_cpu,
)
from tests.simulators.kasa_device import encrypt
from tests.simulators.mosquitto_broker import free_port

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


async def query_rate(port: int, plugs: int, seconds: float) -> float:
    """Queries per second whose every plug answer arrived (one query in flight at a time)."""
    loop = asyncio.get_running_loop()
    transport, collector = await loop.create_datagram_endpoint(
        Collector, local_addr=("127.0.0.1", 0)
    )
    done = 0
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    try:
        while time.monotonic() < deadline:
            collector.received = 0
            transport.sendto(QUERY, ("127.0.0.1", port))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1):
                    while collector.received < plugs:
                        collector.arrived.clear()
                        await collector.arrived.wait()
                    done += 1
    finally:
        transport.close()
    return done / (time.monotonic() - started)


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
        results["bare_queries_per_s"] = await query_rate(bare_port, 20, seconds)
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
            results["bridge_queries_per_s"] = await query_rate(sense_port, 20, seconds)
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
        f"Sense bridge, queries/s with all 20 plug answers: {r['bridge_queries_per_s']:.0f} / "
        f"bare responder {r['bare_queries_per_s']:.0f} = "
        f"{r['bridge_queries_per_s'] / r['bare_queries_per_s']:.2f}x"
    )
