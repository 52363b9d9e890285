"""Listening for a Flume sensor before it is added: connect to the broker, wait a bounded time
for a message the device key opens, and say which sensor (and bridge) spoke. Protocol work only,
no Home Assistant import: the config flow maps the exceptions to form errors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from ..mqtt_client import MqttConnection, MqttSettings
from .messages import (
    TOPICS,
    TYPE_FLOW,
    TYPE_STATUS,
    FlumeMessageError,
    decode_payload,
    from_bridge,
    parse_topic,
)

# How long to wait: the bridge publishes every ~30 s, so two and a half chances.
LISTEN_S = 75.0


class SensorNotHeard(Exception):
    """No message from a Flume sensor reached the broker within the wait."""


class KeyDoesNotOpen(SensorNotHeard):
    """Flume messages arrived, but the device key opened none of them."""


@dataclass
class Heard:
    """What arrived from the broker while listening."""

    messages: int = 0
    decrypted: int = 0
    sensor_id: str | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def add(self, topic: str, payload: bytes, box: Any) -> None:
        parsed = parse_topic(topic)
        if parsed is None:
            return
        self.messages += 1
        try:
            data = decode_payload(payload, box)
        except FlumeMessageError:
            return
        self.decrypted += 1
        if parsed.kind in (TYPE_FLOW, TYPE_STATUS) and not from_bridge(parsed, data):
            self.sensor_id = parsed.device_id
            self.done.set()


async def listen_for_sensor(settings: MqttSettings, box: Any, seconds: float = LISTEN_S) -> str:
    """The id of the first sensor whose message `box` opens. Raises what connecting to the
    broker raises (MqttAuthError, MqttConnectError), KeyDoesNotOpen or SensorNotHeard."""
    heard = Heard()
    connection = MqttConnection(settings, TOPICS, lambda t, p, _r: heard.add(t, p, box))
    await connection.start()
    try:
        async with asyncio.timeout(seconds):
            await heard.done.wait()
    except TimeoutError:
        pass
    finally:
        await connection.stop()
    if heard.sensor_id:
        return heard.sensor_id
    if heard.messages and not heard.decrypted:
        raise KeyDoesNotOpen(f"{heard.messages} messages, none opened with the key")
    raise SensorNotHeard(f"no Flume message within {seconds:.0f} s")
