"""Glow test helpers: a /zb02 receiver entry, local-MQTT messages, waiting for a CAD's sensors."""

from __future__ import annotations

import json
from typing import Any

from homeassistant import config_entries
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
import pytest

from custom_components.lanmeter.const import DOMAIN
from tests.mosquitto import free_port
from tests.polling import until

CAD_ID = "70B3D521E0008D10"


NAME = "glow_cad_008d10"  # entity id prefix: "Glow CAD" + the id's last six characters


async def menu(hass: HomeAssistant, option: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "glow"}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": option}
    )


async def add_receiver(hass: HomeAssistant, port: int) -> config_entries.ConfigEntry:
    result = await menu(hass, "glow_zb02")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"port": port, "listen_address": "127.0.0.1"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


def value(hass: HomeAssistant, key: str) -> str:
    state = hass.states.get(f"sensor.{NAME}_{key}")
    assert state is not None, key
    return state.state


@pytest.fixture
async def receiver_entry(hass: HomeAssistant) -> config_entries.ConfigEntry:
    return await add_receiver(hass, free_port())


def url(entry: config_entries.ConfigEntry) -> str:
    return f"https://127.0.0.1:{entry.data['port']}/zb02"


def publish(port: int, messages: list[tuple[str, Any]]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for topic, payload in messages:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        client.publish(topic, data, qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


async def wait_for(hass: HomeAssistant, entity_id: str) -> None:
    def shown() -> bool:
        state = hass.states.get(entity_id)
        return state is not None and state.state not in ("unknown", STATE_UNAVAILABLE)

    await until(shown, hass=hass)
