"""A Flume bridge that publishes to a real MQTT broker like the device (protocols/flume.md).

Messages are LibHydrogen secretboxes, made with LAN Meter's own pure-Python secretbox (context
"12345678", message id 0), on `2/<type>/12/<device_id>/<n>`. Water use is scripted as (seconds,
liters per minute) segments: the sensor's pulse counter advances by the volume over the (hidden)
liters per pulse, sampled every 5 s and published in 30-second batches.

Samples are stamped by the bridge's own clock (clock.py: the test's clock plus the bridge's
error, which a test sets: hours ahead, a day behind, back at 1970). A test publishes two hours of
water in a second by moving its clock as the script runs (`advance`, e.g. the freezer's tick), so
Home Assistant sees the batches arrive 30 s apart; the demo runs in real time (no `advance`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import datetime as dt
import json
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from custom_components.lanmeter.flume.secretbox import SecretBox

from .clock import DeviceClock

SAMPLE_S = 5
BATCH_SAMPLES = 6

IDLE = [(3600, 0.0)]
TAP = [(120, 0.0), (90, 6.0), (120, 0.0)]
RUNNING_TOILET = [(3 * 3600, 0.4)]
BURST_PIPE = [(30 * 60, 40.0)]


class SimulatedFlumeBridge:
    # Messages every bridge published (acknowledged by the broker): a test waits until Home
    # Assistant's subscribers have taken as many, instead of sleeping a guessed time.
    published_everywhere = 0

    def __init__(
        self,
        port: int,
        key: bytes | None,
        sensor_id: str = "4B1D7E55F1A3C0DE",
        bridge_id: str = "B41D6E0000C0FFEE",
        liters_per_pulse: float = 0.0757,
        clock: DeviceClock | None = None,
        advance: Callable[[float], None] | None = None,
    ) -> None:
        self.port = port
        self.box = SecretBox(key, "12345678") if key else None
        self.sensor_id = sensor_id
        self.bridge_id = bridge_id
        self.liters_per_pulse = liters_per_pulse
        self.clock = clock or DeviceClock()  # the bridge's own, which stamps the samples
        self.advance = advance  # moves the true (the test's) clock by seconds
        self.liters = 0.0  # the truth: water through the meter since the simulation started
        self.counted_from = 0.0  # the liters at the sensor's last counter restart
        self.counter_glitches: list[int] = []  # bad counter values, one per sample
        self.published = 0
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)

    @property
    def now(self) -> int:
        """The bridge's time, whole unix seconds as it stamps them."""
        return int(self.clock.timestamp())

    def reboot_clock_to_epoch(self) -> None:
        """A reboot without NTP: the clock starts again at 1970; the sensor's counter goes on."""
        self.clock.reboot_to_epoch()

    def set_clock_error(self, error: dt.timedelta) -> None:
        self.clock.error = error

    @property
    def counter(self) -> int:
        return int((self.liters - self.counted_from) / self.liters_per_pulse)

    def restart_counter(self) -> None:
        """A battery change: the sensor's pulse counter starts again from zero."""
        self.counted_from = self.liters

    def connect(self) -> None:
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()

    def encode(self, payload: Any) -> bytes:
        plain = json.dumps(payload).encode()
        return self.box.encrypt(plain, msg_id=0) if self.box else plain

    def publish(self, kind: int, device_id: str, payload: Any, raw: bytes | None = None) -> None:
        topic = f"2/{kind}/12/{device_id}/{self.now}"
        data = raw if raw is not None else self.encode(payload)
        self.client.publish(topic, data, qos=1).wait_for_publish(5)
        self.published += 1
        SimulatedFlumeBridge.published_everywhere += 1

    def hello(self) -> None:
        """What a bridge sends after connecting: identification and both status messages."""
        self.publish(7, self.bridge_id, {"bridge_id": None, "branch": "main", "sha_full": "0" * 40})
        self.publish(2, self.bridge_id, {"32": -87, "512": -60, "4": 123456, "timestamp": self.now})
        self.publish(
            2, self.sensor_id, {"16": -79, "32": 3252, "16384": 3300, "timestamp": self.now}
        )

    def water(self, script: list[tuple[float, float]]) -> None:
        """Run the script, sampling every 5 s and publishing a flow batch every 30 s; with
        `advance`, the test's clock moves 5 s per sample."""
        batch: list[dict[str, Any]] = []
        for seconds, liters_per_minute in script:
            for _ in range(int(seconds // SAMPLE_S)):
                if self.advance is not None:
                    self.advance(SAMPLE_S)
                self.liters += liters_per_minute / 60 * SAMPLE_S
                value = self.counter_glitches.pop(0) if self.counter_glitches else self.counter
                batch.append({"timestamp": self.now, "value": value})
                if len(batch) == BATCH_SAMPLES:
                    self.publish(1, self.sensor_id, batch)
                    batch = []
        if batch:
            self.publish(1, self.sensor_id, batch)

    async def run_realtime(self, script: list[tuple[float, float]]) -> None:
        """The demo: the same script at the speed of real time, forever."""
        batches = 0
        while True:
            for seconds, flow in script:
                end = time.monotonic() + seconds
                while time.monotonic() < end:
                    # Status every 5 minutes, as the bridge does (and early, for a late listener).
                    if batches < 3 or batches % 10 == 0:
                        await asyncio.to_thread(self.hello)
                    await asyncio.sleep(SAMPLE_S * BATCH_SAMPLES)
                    await asyncio.to_thread(self.water, [(SAMPLE_S * BATCH_SAMPLES, flow)])
                    batches += 1
