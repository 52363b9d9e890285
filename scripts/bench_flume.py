"""Benchmark: Flume messages through a real Mosquitto into a real Home Assistant (pinned to CPU 0).

- Latency: publish -> state change of the Flume's last-report sensor (websocket), median and p99
  over 500 messages. Reference: the same publish -> a bare paho subscriber on the same broker.
- Decrypt cost: CPU per message of the pure-Python secretbox (a 134-byte box, the largest the
  bridge sends) against json.loads of its plaintext in the same run, and the share of one core
  at the bridge's pace (one message every ~30 s).
- Throughput: 3,000 encrypted batches published back to back; messages per second until Home
  Assistant shows the last one. Reference: decrypt + decode + apply of the same payloads in a tight
  loop of pure Python on one core (no broker, no Home Assistant).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import statistics
import tempfile
import threading
import time

import aiohttp
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from custom_components.lanmeter.flume.messages import decode_payload, flow_samples, make_box
from custom_components.lanmeter.flume.water import PulseMeter
from devkit.ha_client import HomeAssistantClient
from devkit.ha_process import bench_configuration, home_assistant, link_integration, pin_to_cpu
from devkit.simulators.flume_bridge import SimulatedFlumeBridge
from devkit.simulators.mosquitto_broker import free_port, running_broker

KEY = bytes.fromhex("5e" * 16 + "a7" * 16)
ENTITY = "sensor.flume_a3c0de_last_report"
TOTAL = "sensor.flume_a3c0de_water_total"
LITERS_PER_PULSE = 0.1  # the entry's uncalibrated default


def broker_latency(port: int, samples: int) -> list[float]:
    """publish -> a bare subscriber's on_message, seconds."""
    received = threading.Event()
    listener = mqtt.Client(CallbackAPIVersion.VERSION2)
    listener.on_message = lambda *args: received.set()
    listener.connect("127.0.0.1", port)
    listener.subscribe("bench/#")
    listener.loop_start()
    time.sleep(0.5)
    sender = mqtt.Client(CallbackAPIVersion.VERSION2)
    sender.connect("127.0.0.1", port)
    sender.loop_start()
    results = []
    for n in range(samples):
        received.clear()
        started = time.perf_counter()
        sender.publish(f"bench/{n}", b"x" * 120)
        received.wait(5)
        results.append(time.perf_counter() - started)
    for client in (listener, sender):
        client.loop_stop()
        client.disconnect()
    return results


def decrypt_cost(count: int) -> dict[str, float]:
    """CPU seconds per decrypt of a bridge-sized box, and per json.loads of its plaintext."""
    plain = json.dumps([{"timestamp": 1700000000 + 5 * i, "value": 123456 + i} for i in range(2)])
    plain = plain.encode().ljust(98)  # 98 + 36 = 134 bytes, the largest box observed
    box = make_box(KEY.hex())
    assert box is not None
    sealed = box.encrypt(plain)
    started = time.process_time()
    for _ in range(count):
        box.decrypt(sealed)
    decrypt_s = (time.process_time() - started) / count
    started = time.process_time()
    for _ in range(count * 10):
        json.loads(plain)
    json_s = (time.process_time() - started) / (count * 10)
    return {"box_bytes": len(sealed), "decrypt_us": decrypt_s * 1e6, "json_loads_us": json_s * 1e6}


def pure_rate(count: int) -> float:
    sim = SimulatedFlumeBridge(0, KEY)
    payloads = []
    stamp = sim.now
    for _ in range(count):
        stamp += 5
        sim.liters += 0.5
        payloads.append(sim.encode([{"timestamp": stamp, "value": sim.counter}]))
    box, meter = make_box(KEY.hex()), PulseMeter()
    started = time.process_time()
    for payload in payloads:
        for sample in flow_samples(decode_payload(payload, box)):
            meter.add(sample.counter, sample.timestamp)
        meter.pulses_per_s()
    return count / (time.process_time() - started)


async def ha_latency(client: HomeAssistantClient, sim: SimulatedFlumeBridge, samples: int):
    results = []
    async with client.state_changes(ENTITY) as ws:
        for _ in range(samples):
            started = time.perf_counter()
            await asyncio.to_thread(sim.water, [(5, 6.0)])
            async with asyncio.timeout(10):
                await ws.receive_json()
            results.append(time.perf_counter() - started)
    return results


async def ha_throughput(client: HomeAssistantClient, sim: SimulatedFlumeBridge, count: int):
    def burst() -> None:
        # Stamped 5 s apart, as fast as the broker takes them: the bridge's clock seems to run
        # fast, but each step stays far under a clock jump (device_clock.JUMP_S).
        stamp = sim.now
        for _ in range(count):
            stamp += 5
            sim.liters += 0.5
            topic = f"2/1/12/{sim.sensor_id}/{stamp}"
            sim.client.publish(topic, sim.encode([{"timestamp": stamp, "value": sim.counter}]))

    started = time.perf_counter()
    await asyncio.to_thread(burst)
    final_l = sim.counter * LITERS_PER_PULSE
    headers = {"Authorization": f"Bearer {client.token}"}
    async with asyncio.timeout(120):
        while True:
            async with client.session.get(
                f"{client.base_url}/api/states/{TOTAL}", headers=headers
            ) as r:
                state = (await r.json())["state"]
            with contextlib.suppress(ValueError):
                if abs(float(state) - final_l) < 1e-6:  # the last batch is counted
                    break
            await asyncio.sleep(0.05)
    return count / (time.perf_counter() - started)


async def run(samples: int, count: int) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, running_broker(Path(tmp)) as broker:
        lat = sorted(await asyncio.to_thread(broker_latency, broker, samples))
        results["broker_median_ms"] = statistics.median(lat) * 1000
        results["broker_p99_ms"] = lat[int(len(lat) * 0.99) - 1] * 1000
        results["pure_msgs_per_s"] = await asyncio.to_thread(pure_rate, count)
        results.update(await asyncio.to_thread(decrypt_cost, count))
        config_dir = Path(tmp) / "config"
        http_port = free_port()
        link_integration(config_dir, bench_configuration(http_port))
        sim = SimulatedFlumeBridge(broker, KEY)
        await asyncio.to_thread(sim.connect)
        async with home_assistant(config_dir, "--skip-pip", quiet=True) as hass:
            await pin_to_cpu(hass.pid)
            async with aiohttp.ClientSession() as session:
                client = HomeAssistantClient(session, f"http://127.0.0.1:{http_port}")
                await client.wait_until_up()
                await client.onboard_or_login("bench", "bench-lanmeter")
                flow = asyncio.ensure_future(
                    client.add_device(
                        "lanmeter",
                        [
                            {"next_step_id": "flume"},
                            {
                                "host": "127.0.0.1",
                                "port": broker,
                                "tls": False,
                                "device_key": KEY.hex(),
                            },
                        ],
                    )
                )
                await asyncio.sleep(1)
                await asyncio.to_thread(sim.hello)
                assert (await flow).startswith("added")
                await asyncio.to_thread(sim.water, [(30, 6.0)])
                await asyncio.sleep(1)
                lat = sorted(await ha_latency(client, sim, samples))
                results["ha_median_ms"] = statistics.median(lat) * 1000
                results["ha_p99_ms"] = lat[int(len(lat) * 0.99) - 1] * 1000
                results["ha_msgs_per_s"] = await ha_throughput(client, sim, count)
        await asyncio.to_thread(sim.close)
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench flume", description=__doc__)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--count", type=int, default=3000)
    args = parser.parse_args(argv)
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {1})
    r = asyncio.run(run(args.samples, args.count))
    print(json.dumps(r, indent=2))
    print(
        f"\nPublish -> Home Assistant state: median {r['ha_median_ms']:.1f} ms, p99 "
        f"{r['ha_p99_ms']:.1f} ms (bare subscriber on the same broker: median "
        f"{r['broker_median_ms']:.2f} ms, p99 {r['broker_p99_ms']:.2f} ms)\n"
        f"Messages/s decrypted and applied in Home Assistant on one core: "
        f"{r['ha_msgs_per_s']:.0f} / pure decode loop {r['pure_msgs_per_s']:.0f} = "
        f"{r['ha_msgs_per_s'] / r['pure_msgs_per_s']:.2f}x\n"
        f"Decrypt of a {r['box_bytes']:.0f}-byte box (pure Python): {r['decrypt_us']:.0f} us CPU = "
        f"{r['decrypt_us'] / r['json_loads_us']:.0f}x a json.loads of the same size "
        f"({r['json_loads_us']:.1f} us); at one message per 30 s: "
        f"{r['decrypt_us'] / 30e6 * 100:.4f} % of one core"
    )
