"""Benchmark: LAN Meter's Kasa kind against Home Assistant core's `tplink`, in one run.

For each strip count, the same simulated HS300s are polled for a fixed window by a real Home
Assistant (a child process) running (a) LAN Meter or (b) core's tplink. Measured:
- CPU seconds per minute of the Home Assistant process (/proc, user + system);
- requests per strip per minute and bytes on the wire per strip per minute (at the simulators);
- freshness: every outlet's load encodes the moment it was read (100 W + seconds since the run
  began), so each power state shown in Home Assistant tells how old it is. The median age over all
  outlets, sampled every 5 s through the REST API, is reported.
Figures are given as LAN Meter / core ratios from the same run. An "idle" run (same Home
Assistant, same sampling, no strips set up) gives the CPU that neither integration causes.
"lanmeter-klap" (not in the default set) polls the same strips on KLAP firmware: each strip on
its own loopback address (127.0.0.2, ...) with HTTP + AES and a UDP 20002 discovery answer.
"lanmeter-smart" and "tplink-smart" (not in the default set) poll SMART plugs instead: as many
Kasa KP125M plugs (SMART over KLAP, from ../shared/captures/kasa_smart) as --strips says, each on
its own loopback address (127.0.1.2, ...), added with the TP-Link account by both integrations.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import random
import statistics
import tempfile
import time

import aiohttp

from devkit.ha_client import HomeAssistantClient
from devkit.ha_process import bench_configuration, cpu_seconds, home_assistant, link_integration
from devkit.simulators.kasa_device import SimulatedKasaDevice
from devkit.simulators.kasa_klap import SimulatedKlapDevice
from devkit.simulators.kasa_smart import SimulatedSmartDevice
from devkit.simulators.mosquitto_broker import free_port

BASE_W = 100.0
SAMPLE_EVERY_S = 5.0
USERNAME, PASSWORD = "bench", "bench-lanmeter"
KLAP_ACCOUNT = {"username": "bench@example.com", "password": "bench-kasa"}


@dataclass
class Result:
    integration: str
    strips: int
    cpu_s_per_min: float
    requests_per_strip_min: float
    bytes_per_strip_min: float
    median_age_s: float
    p90_age_s: float
    outlets_seen: int


async def add_entries(
    client: HomeAssistantClient, integration: str, sims: list[SimulatedKasaDevice]
) -> None:
    for sim in sims:
        if integration == "idle":
            return  # the reference: the same Home Assistant and sampling with no strips set up
        if integration in ("lanmeter-klap", "lanmeter-smart"):
            steps = [
                {"next_step_id": "kasa"},
                {"next_step_id": "kasa_manual"},
                {"host": sim.host, "port": 9999},  # closed: found by discovery, then KLAP
                KLAP_ACCOUNT,
            ]
            outcome = await client.add_device("lanmeter", steps)
        elif integration.startswith("lanmeter"):
            steps = [
                {"next_step_id": "kasa"},
                {"next_step_id": "kasa_manual"},
                {"host": "127.0.0.1", "port": sim.port},
            ]
            outcome = await client.add_device("lanmeter", steps)
            # "lanmeter@10s": the same with a longer poll interval (Configure -> Poll interval).
            if "@" in integration and client.last_entry_id:
                interval = int(integration.split("@")[1].rstrip("s"))
                await client.set_options(client.last_entry_id, {"scan_interval": interval})
        elif integration == "tplink-smart":
            outcome = await client.add_device("tplink", [{"host": sim.host}, KLAP_ACCOUNT])
        else:
            outcome = await client.add_device("tplink", [{"host": f"127.0.0.1:{sim.port}"}])
        if not outcome.startswith("added"):
            raise RuntimeError(f"{integration}: adding strip on {sim.port}: {outcome}")


async def outlet_ages(
    session: aiohttp.ClientSession, base: str, token: str, began: float
) -> list[float]:
    """Ages of every outlet power value Home Assistant shows now (strip totals are excluded)."""
    async with session.get(
        f"{base}/api/states", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        states = await response.json()
    now = time.monotonic() - began
    if os.environ.get("BENCH_DEBUG"):
        print([(s["entity_id"], s["state"]) for s in states if "power" in s["entity_id"]])
    ages = []
    for state in states:
        attributes = state["attributes"]
        if (
            attributes.get("device_class") != "power"
            or attributes.get("unit_of_measurement") != "W"
        ):
            continue
        try:
            read_at = float(state["state"]) - BASE_W
        except ValueError:
            continue
        if -1 <= read_at <= now + 1:  # a strip total (6 outlets summed) decodes out of range
            ages.append(max(0.0, now - read_at))
    return ages


def smart_plugs(count: int, began: float) -> list[SimulatedSmartDevice]:
    """KP125M plugs, on and reporting the moment they were read as their power."""
    plugs = []
    for n in range(count):
        plug = SimulatedSmartDevice(
            "KP125M", **KLAP_ACCOUNT, host=f"127.0.1.{n + 2}", discovery_port=20002,
            mac=f"78:8C:B5:BE:{n // 256:02X}:{n % 256:02X}",
        )  # fmt: skip
        plug.outlets[0].on = True
        plug.model.load_fn = lambda slot, now: round(BASE_W + (time.monotonic() - began), 1)
        plugs.append(plug)
    return plugs


async def run_one(integration: str, strips: int, window_s: float, warmup_s: float) -> Result:
    began = time.monotonic()
    if integration.endswith("-smart"):
        return await run_smart(integration, strips, window_s, warmup_s, began)
    klap = integration == "lanmeter-klap"
    sims = [
        SimulatedKasaDevice.hs300(
            mac=f"50:C7:BF:BE:{n // 256:02X}:{n % 256:02X}",
            host=f"127.0.{(n + 2) // 256}.{(n + 2) % 256}" if klap else "127.0.0.1",
        )
        for n in range(strips)
    ]
    for sim in sims:
        for outlet in sim.outlets:
            outlet.on = True
        sim.load_fn = lambda slot, now: round(BASE_W + (now - began), 1)
    async with contextlib.AsyncExitStack() as stack:
        for sim in sims:
            await stack.enter_async_context(
                SimulatedKlapDevice(sim, **KLAP_ACCOUNT, discovery_port=20002) if klap else sim
            )
        return await measure(stack, integration, strips, sims, sims, window_s, warmup_s, began)


async def run_smart(
    integration: str, plugs: int, window_s: float, warmup_s: float, began: float
) -> Result:
    sims = smart_plugs(plugs, began)
    async with contextlib.AsyncExitStack() as stack:
        for sim in sims:
            await stack.enter_async_context(sim)
        counted = [sim.model for sim in sims]
        return await measure(stack, integration, plugs, sims, counted, window_s, warmup_s, began)


async def measure(
    stack: contextlib.AsyncExitStack,
    integration: str,
    strips: int,
    sims: list,
    counted: list,
    window_s: float,
    warmup_s: float,
    began: float,
) -> Result:
    """One Home Assistant with `sims` added by `integration`, measured over the window
    (`counted`: where the requests and bytes are counted)."""
    config_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    port = free_port()
    link_integration(config_dir, bench_configuration(port))
    hass = await stack.enter_async_context(home_assistant(config_dir, "--skip-pip", quiet=True))
    session = await stack.enter_async_context(aiohttp.ClientSession())
    client = HomeAssistantClient(session, f"http://127.0.0.1:{port}")
    await client.wait_until_up()
    await client.onboard_or_login(USERNAME, PASSWORD)
    await add_entries(client, integration, sims)
    await asyncio.sleep(warmup_s)

    cpu_start = cpu_seconds(hass.pid)
    requests_start = sum(len(s.requests) for s in counted)
    bytes_start = sum(s.bytes_in + s.bytes_out for s in counted)
    started = time.monotonic()
    ages: list[float] = []
    seen = 0
    while (elapsed := time.monotonic() - started) < window_s:
        sample = await outlet_ages(session, client.base_url, client.token or "", began)
        seen = max(seen, len(sample))
        ages.extend(sample)
        # Every 5 s: the sampling itself costs Home Assistant CPU in proportion to its
        # number of entities, which differs between the two integrations.
        # Jittered, so the samples do not fall in step with the polls.
        pause = SAMPLE_EVERY_S * random.uniform(0.6, 1.4)
        await asyncio.sleep(max(0.0, pause - (time.monotonic() - started - elapsed)))
    minutes = (time.monotonic() - started) / 60
    cpu = cpu_seconds(hass.pid) - cpu_start
    requests = sum(len(s.requests) for s in counted) - requests_start
    wire = sum(s.bytes_in + s.bytes_out for s in counted) - bytes_start
    ages.sort()
    return Result(
        integration=integration,
        strips=strips,
        cpu_s_per_min=cpu / minutes,
        requests_per_strip_min=requests / strips / minutes,
        bytes_per_strip_min=wire / strips / minutes,
        median_age_s=statistics.median(ages) if ages else float("nan"),
        p90_age_s=ages[int(len(ages) * 0.9)] if ages else float("nan"),
        outlets_seen=seen,
    )


def report(results: list[Result]) -> str:
    lines = [
        "| strips | integration | CPU s/min | req/strip/min | bytes/strip/min "
        "| outlet power age median (p90) | outlets seen |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.strips} | {r.integration} | {r.cpu_s_per_min:.2f} | "
            f"{r.requests_per_strip_min:.0f} | {r.bytes_per_strip_min:.0f} | "
            f"{r.median_age_s:.1f} s ({r.p90_age_s:.1f} s) | {r.outlets_seen} |"
        )
    lines.append("")
    for strips in sorted({r.strips for r in results}):
        runs = {r.integration: r for r in results if r.strips == strips}
        idle = runs.get("idle")
        for name, ours in runs.items():
            # SMART plugs against core on the same plugs; strips against core on strips.
            core = runs.get("tplink-smart" if name.endswith("-smart") else "tplink")
            if not name.startswith("lanmeter") or core is None:
                continue
            cpu = ours.cpu_s_per_min / core.cpu_s_per_min
            text = f"{strips} strips, {name} / core: CPU {cpu:.2f}x"
            if idle is not None:
                above = (ours.cpu_s_per_min - idle.cpu_s_per_min) / (
                    core.cpu_s_per_min - idle.cpu_s_per_min
                )
                text += f" (above idle Home Assistant: {above:.2f}x)"
            text += (
                f", requests {ours.requests_per_strip_min / core.requests_per_strip_min:.2f}x, "
                f"bytes {ours.bytes_per_strip_min / core.bytes_per_strip_min:.2f}x, "
                f"median outlet power age {ours.median_age_s / core.median_age_s:.2f}x"
            )
            lines.append(text)
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> list[Result]:
    results = []
    for strips in args.strips:
        for integration in args.integrations:
            print(f"bench kasa: {integration} with {strips} strips ...", flush=True)
            result = await run_one(integration, strips, args.seconds, args.warmup)
            print(f"  {result}", flush=True)
            results.append(result)
    return results


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench kasa", description=__doc__)
    parser.add_argument("--strips", type=int, nargs="+", default=[10, 50])
    parser.add_argument(
        "--integrations", nargs="+", default=["idle", "lanmeter", "lanmeter@10s", "tplink"]
    )
    parser.add_argument("--seconds", type=float, default=120, help="measured window per run")
    parser.add_argument("--warmup", type=float, default=70, help="after setup, before measuring")
    parser.add_argument("--json", help="also write the results here")
    return parser.parse_args(argv)


def run(argv: list[str]) -> None:
    args = parse(argv)
    results = asyncio.run(main(args))
    print("\n" + report(results))
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=2))
