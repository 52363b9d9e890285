"""The MQTT tests' broker fixture: a real Mosquitto on 127.0.0.1 (simulators/mosquitto_broker)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.simulators.mosquitto_broker import free_port, mosquitto_binary, running_broker

__all__ = ["free_port", "mosquitto_binary", "mqtt_broker", "running_broker"]


@pytest.fixture
def mqtt_broker(tmp_path: Path, socket_enabled: None) -> Iterator[int]:
    with running_broker(tmp_path) as port:
        yield port
