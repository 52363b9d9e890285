"""paho-mqtt bridged to asyncio (no Home Assistant import): used by the Glow and Flume kinds.

paho runs its own network thread (loop_start), which keeps every blocking socket call off the
event loop and reconnects by itself with backoff; it resubscribes on every (re)connect. Messages
and connection changes are handed to the event loop with call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import logging
import re
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

_LOGGER = logging.getLogger(__name__)

# A topic prefix the user types: MQTT wildcards (#, +) would subscribe to other devices' topics,
# "$" topics are the broker's own, and NUL is not allowed in a topic at all.
TOPIC_PREFIX = re.compile(r"[^#+\x00-\x1f\x7f$][^#+\x00-\x1f\x7f]{0,63}")


def valid_topic_prefix(prefix: str) -> bool:
    return TOPIC_PREFIX.fullmatch(prefix) is not None


RECONNECT_MIN_S = 1
RECONNECT_MAX_S = 60
CONNECT_TIMEOUT_S = 10


class MqttAuthError(Exception):
    """The broker refused the credentials."""


class MqttConnectError(Exception):
    """The broker could not be reached."""


@dataclass
class MqttSettings:
    host: str
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False


MessageHandler = Callable[[str, bytes, float], None]  # topic, payload, receive time (epoch s)


class MqttConnection:
    """One broker connection with a fixed list of subscriptions."""

    def __init__(
        self,
        settings: MqttSettings,
        topics: list[str],
        on_message: MessageHandler,
        on_connection: Callable[[bool], None] | None = None,
    ) -> None:
        self.settings = settings
        self.topics = topics
        self._on_message = on_message
        self._on_connection = on_connection
        self._loop = asyncio.get_running_loop()
        self._connected = asyncio.Event()
        self._failure: Exception | None = None
        self.connected = False
        self.connects = 0
        self.outages = 0  # times the broker went away after a connection
        self.messages = 0  # delivered to the handler (diagnostics; tests wait on it)
        self._stopping = False
        self._tls_ready = False
        client = mqtt.Client(CallbackAPIVersion.VERSION2)
        if settings.username:
            client.username_pw_set(settings.username, settings.password)
        client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        client.on_connect = self._paho_connect
        client.on_disconnect = self._paho_disconnect
        client.on_message = self._paho_message
        self._client = client

    async def start(self) -> None:
        """Connect (in an executor: the TCP connect and DNS are blocking) and wait for CONNACK.

        Raises MqttAuthError or MqttConnectError if the first connection fails.
        """
        try:
            await self._loop.run_in_executor(None, self._connect_blocking)
        except OSError as err:
            raise MqttConnectError(str(err)) from err
        self._client.loop_start()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                await self._connected.wait()
        except TimeoutError as err:
            await self.stop()
            raise MqttConnectError("no answer from the broker") from err
        if self._failure:
            await self.stop()
            raise self._failure

    def _connect_blocking(self) -> None:
        if self.settings.tls and not self._tls_ready:
            # tls_set() reads the system's CA files: blocking, so here in the executor.
            self._client.tls_set()
            self._tls_ready = True
        self._client.connect(self.settings.host, self.settings.port, keepalive=30)

    async def stop(self) -> None:
        self._stopping = True  # our own disconnect is not an outage
        client = self._client
        await self._loop.run_in_executor(None, _stop_client, client)

    # ----- paho's network thread -----------------------------------------------------------

    def _paho_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, properties: Any
    ) -> None:
        if reason.is_failure:
            failure: Exception = (
                MqttAuthError(str(reason))
                if reason.value in (4, 5, 134, 135)  # bad credentials / not authorised
                else MqttConnectError(str(reason))
            )
            self._loop.call_soon_threadsafe(self._first_result, failure)
            return
        for topic in self.topics:
            client.subscribe(topic, qos=0)
        self._loop.call_soon_threadsafe(self._set_connected, True, "")

    def _paho_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self._loop.call_soon_threadsafe(self._set_connected, False, str(reason))

    def _paho_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._loop.call_soon_threadsafe(self._deliver, message.topic, message.payload)

    # ----- event loop ----------------------------------------------------------------------

    def _deliver(self, topic: str, payload: bytes) -> None:
        # Stamped on the event loop, by the clock the rest of Home Assistant reads (the
        # arrival time that devices' own timestamps are placed against, device_clock.py).
        self.messages += 1
        self._on_message(topic, payload, time.time())

    def _first_result(self, failure: Exception) -> None:
        if not self._connected.is_set():
            self._failure = failure
            self._connected.set()
        else:
            _LOGGER.warning(
                "MQTT broker %s refused the connection: %s", self.settings.host, failure
            )

    def _set_connected(self, connected: bool, reason: str) -> None:
        if connected:
            self.connects += 1
        if connected != self.connected and not self._stopping:
            self.connected = connected
            self._log_change(connected, reason)
            if self._on_connection:
                self._on_connection(connected)
        self._connected.set()

    def _log_change(self, connected: bool, reason: str) -> None:
        """Once each way per outage: paho retries every 1-60 s without a line per attempt."""
        where = f"{self.settings.host}:{self.settings.port}"
        if not connected:
            self.outages += 1
            _LOGGER.warning(
                "MQTT broker %s went away (%s); its devices are unavailable until it returns. "
                "LAN Meter reconnects by itself; check the broker if this lasts",
                where,
                reason or "connection lost",
            )
        elif self.connects > 1:
            _LOGGER.info("MQTT broker %s is back", where)


def _stop_client(client: mqtt.Client) -> None:
    if client.disconnect() not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
        _LOGGER.debug("MQTT disconnect was not clean")
    client.loop_stop()


async def check_broker(settings: MqttSettings) -> None:
    """Connect once and leave. Raises MqttAuthError or MqttConnectError as start() does."""
    connection = MqttConnection(settings, topics=[], on_message=lambda *args: None)
    await connection.start()
    await connection.stop()
