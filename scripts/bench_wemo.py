"""Benchmark: WeMo push latency, from the device's NOTIFY to the Home Assistant state change.

A simulated WeMo Switch is toggled 200 times at the device; each toggle sends a GENA NOTIFY to
LAN Meter's (pywemo's) callback server inside a real Home Assistant (child process). Measured:
the time from sending the NOTIFY to the switch's state change arriving on the websocket API,
median and p99. Reference, in the same run: the NOTIFY's own HTTP round trip (the device's view:
sent -> answered by the callback server), which the state change cannot beat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import statistics
import tempfile
import time

import aiohttp

from devkit.ha_client import HomeAssistantClient
from devkit.ha_process import bench_configuration, home_assistant, link_integration
from devkit.simulators.mosquitto_broker import free_port
from devkit.simulators.wemo_device import SimulatedWemo


async def run(toggles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config_dir = Path(tmp) / "config"
        http_port = free_port()
        link_integration(config_dir, bench_configuration(http_port))
        async with (
            SimulatedWemo("Switch", serial="BENCH0001") as sim,
            home_assistant(config_dir, "--skip-pip", quiet=True),
            aiohttp.ClientSession() as session,
        ):
            sim.name = "Bench switch"
            client = HomeAssistantClient(session, f"http://127.0.0.1:{http_port}")
            await client.wait_until_up()
            await client.onboard_or_login("bench", "bench-lanmeter")
            outcome = await client.add_device(
                "lanmeter", [{"next_step_id": "wemo"}, {"host": "127.0.0.1", "port": sim.port}]
            )
            assert outcome.startswith("added"), outcome
            async with asyncio.timeout(30):
                while not sim.subscribers:  # noqa: ASYNC110 - pywemo subscribes from a thread
                    await asyncio.sleep(0.1)
            await asyncio.sleep(2)
            to_state, notify = [], []
            async with client.state_changes("switch.bench_switch") as ws:
                for n in range(toggles):
                    started = time.perf_counter()
                    await sim.press(n % 2 == 0)
                    notify.append(time.perf_counter() - started)
                    async with asyncio.timeout(10):
                        await ws.receive_json()
                    to_state.append(time.perf_counter() - started)
    to_state.sort()
    notify.sort()
    return {
        "state_median_ms": statistics.median(to_state) * 1000,
        "state_p99_ms": to_state[int(len(to_state) * 0.99) - 1] * 1000,
        "notify_median_ms": statistics.median(notify) * 1000,
        "notify_p99_ms": notify[int(len(notify) * 0.99) - 1] * 1000,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench wemo", description=__doc__)
    parser.add_argument("--toggles", type=int, default=200)
    args = parser.parse_args(argv)
    r = asyncio.run(run(args.toggles))
    print(json.dumps(r, indent=2))
    print(
        f"\nNOTIFY -> Home Assistant state change over {args.toggles} toggles: median "
        f"{r['state_median_ms']:.1f} ms, p99 {r['state_p99_ms']:.1f} ms (the NOTIFY's own HTTP "
        f"round trip: median {r['notify_median_ms']:.1f} ms, p99 {r['notify_p99_ms']:.1f} ms; "
        f"ratio of medians {r['state_median_ms'] / r['notify_median_ms']:.2f}x)"
    )
