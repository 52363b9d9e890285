"""Benchmark: the Glow /zb02 receiver inside a real Home Assistant, against a bare HTTPS server.

Home Assistant (a child process) runs LAN Meter with one receiver and is pinned to CPU 0; the
load generator runs on CPU 1. Measured:
- POSTs per second answered over HTTPS keep-alive (several CADs posting back to back) with valid
  bodies, and with 10 % malformed bodies mixed in;
- median and p99 time from the POST to the power sensor's state change (websocket event).
The reference, measured in the same run on the same CPU with the same TLS and load: a bare aiohttp
HTTPS server that reads each body and answers 200 (no decoding, no Home Assistant).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import random
import ssl
import statistics
import sys
import tempfile
import time

import aiohttp

from devkit.ha_client import HomeAssistantClient
from devkit.ha_process import (
    REPO,
    bench_configuration,
    home_assistant,
    link_integration,
    pin_to_cpu,
)
from devkit.simulators.glow_cad import ScriptedMeter, upload_body
from devkit.simulators.mosquitto_broker import free_port

USERNAME, PASSWORD = "bench", "bench-lanmeter"
CADS = 8


def client_ssl() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def bodies(malformed_share: float) -> list[bytes]:
    valid = json.dumps(upload_body(ScriptedMeter())).encode()
    broken = b'{"elecMtr": {"0702": '
    return [broken if random.random() < malformed_share else valid for _ in range(1000)]


async def hammer(url: str, seconds: float, malformed_share: float) -> float:
    """POSTs per second answered, CADS connections each posting back to back."""
    payloads = bodies(malformed_share)
    done = 0
    deadline = time.monotonic() + seconds

    async def one_cad(n: int) -> None:
        nonlocal done
        connector = aiohttp.TCPConnector(ssl=client_ssl(), limit=1)
        headers = {"X-ID": f"BENCH{n:04d}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession(connector=connector) as session:
            i = n
            while time.monotonic() < deadline:
                async with session.post(url, data=payloads[i % 1000], headers=headers) as r:
                    await r.read()
                done += 1
                i += 1

    started = time.monotonic()
    await asyncio.gather(*(one_cad(n) for n in range(CADS)))
    return done / (time.monotonic() - started)


async def latency(client: HomeAssistantClient, url: str, samples: int) -> list[float]:
    """Seconds from POST to the power state change, one upload at a time."""
    meter = ScriptedMeter()
    entity = "sensor.glow_cad_lat001_power"
    results = []
    connector = aiohttp.TCPConnector(ssl=client_ssl(), limit=1)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        client.state_changes(entity) as ws,
    ):
        headers = {"X-ID": "LAT001", "Content-Type": "application/json"}
        for n in range(samples + 1):
            meter.power_w = 1000 + n
            body = json.dumps(upload_body(meter)).encode()
            sent = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as r:
                await r.read()
            if n == 0:  # the first upload creates the device and its entities
                await asyncio.sleep(2)
                continue
            async with asyncio.timeout(10):
                while True:
                    message = await ws.receive_json()
                    to_state = message.get("event", {}).get("variables", {}).get("trigger", {})
                    if str(to_state.get("to_state", {}).get("state")) == f"{1000 + n}.0":
                        results.append(time.perf_counter() - sent)
                        break
    return results


BARE_SERVER = """
import asyncio, ssl, sys
from aiohttp import web
from pathlib import Path
from custom_components.lanmeter.glow.certificate import server_context

async def handle(request):
    await request.read()
    return web.Response(text="200")

async def main():
    app = web.Application(client_max_size=65536)
    app.router.add_post("/zb02", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    context = server_context(Path(sys.argv[2]))
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1]), ssl_context=context).start()
    await asyncio.Event().wait()

asyncio.run(main())
"""


@contextlib.asynccontextmanager
async def bare_server(port: int, cert_dir: Path):
    process = await asyncio.create_subprocess_exec(
        "taskset",
        "-c",
        "0",
        sys.executable,
        "-c",
        BARE_SERVER,
        str(port),
        str(cert_dir),
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        await asyncio.sleep(2)
        yield
    finally:
        process.terminate()
        await process.wait()


async def run(seconds: float, samples: int) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        config_dir = Path(tmp) / "config"
        http_port, receiver_port, bare_port = free_port(), free_port(), free_port()
        link_integration(config_dir, bench_configuration(http_port))
        async with bare_server(bare_port, Path(tmp) / "cert"):
            url = f"https://127.0.0.1:{bare_port}/zb02"
            results["bare_valid"] = await hammer(url, seconds, 0.0)
            results["bare_10pct_bad"] = await hammer(url, seconds, 0.1)
        async with (
            home_assistant(config_dir, "--skip-pip", quiet=True) as hass,
            aiohttp.ClientSession() as session,
        ):
            await pin_to_cpu(hass.pid)
            client = HomeAssistantClient(session, f"http://127.0.0.1:{http_port}")
            await client.wait_until_up()
            await client.onboard_or_login(USERNAME, PASSWORD)
            outcome = await client.add_device(
                "lanmeter",
                [
                    {"next_step_id": "glow"},
                    {"next_step_id": "glow_zb02"},
                    {"port": receiver_port, "listen_address": "127.0.0.1"},
                ],
            )
            assert outcome.startswith("added"), outcome
            url = f"https://127.0.0.1:{receiver_port}/zb02"
            lat = sorted(await latency(client, url, samples))
            results["latency_median_ms"] = statistics.median(lat) * 1000
            results["latency_p99_ms"] = lat[int(len(lat) * 0.99) - 1] * 1000
            results["lanmeter_valid"] = await hammer(url, seconds, 0.0)
            results["lanmeter_10pct_bad"] = await hammer(url, seconds, 0.1)
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench glow", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20, help="load time per measurement")
    parser.add_argument("--samples", type=int, default=200, help="uploads timed for latency")
    args = parser.parse_args(argv)
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {1})  # the load generator stays off the server's CPU 0
    r = asyncio.run(run(args.seconds, args.samples))
    print(json.dumps(r, indent=2))
    print(
        f"\nPOSTs/s on one core, LAN Meter in Home Assistant / bare HTTPS server:\n"
        f"  valid bodies:        {r['lanmeter_valid']:.0f} / {r['bare_valid']:.0f} = "
        f"{r['lanmeter_valid'] / r['bare_valid']:.2f}x\n"
        f"  10 % malformed:      {r['lanmeter_10pct_bad']:.0f} / {r['bare_10pct_bad']:.0f} = "
        f"{r['lanmeter_10pct_bad'] / r['bare_10pct_bad']:.2f}x\n"
        f"POST to state change: median {r['latency_median_ms']:.1f} ms, "
        f"p99 {r['latency_p99_ms']:.1f} ms"
    )
