"""Config flow steps of the Flume kind: broker, key, and a bounded wait for the bridge."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_KIND, DEFAULT_MQTT_PORT, KIND_FLUME
from ..flow_fields import PASSWORD_SELECTOR, FlowMixin, number_box
from ..mqtt_client import MqttConnection
from ..mqtt_entry import settings_from
from ..mqtt_flow import broker_data, broker_error, broker_fields
from . import TOPICS
from .const import (
    CONF_AWAY_ENTITY,
    CONF_CONTINUOUS_MIN,
    CONF_DEVICE_KEY,
    CONF_HIGH_FLOW_L_MIN,
    CONF_HIGH_FLOW_MIN,
    CONF_LITERS_PER_PULSE,
    CONF_METER_OFFSET_L,
    CONF_SENSOR_ID,
    DEFAULT_LITERS_PER_PULSE,
)
from .messages import (
    TYPE_FLOW,
    TYPE_STATUS,
    FlumeMessageError,
    decode_payload,
    from_bridge,
    make_box,
    parse_topic,
)
from .water import RuleSettings

# How long the flow listens for the bridge (it publishes every ~30 s). Tests shorten it.
LISTEN_S = 75.0


@dataclass
class Heard:
    """What the flow learned from the broker while listening."""

    messages: int = 0
    decrypted: int = 0
    sensor_id: str | None = None
    bridge_id: str | None = None
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
        if from_bridge(parsed, data):
            self.bridge_id = parsed.device_id
        elif parsed.kind in (TYPE_FLOW, TYPE_STATUS):
            self.sensor_id = parsed.device_id
        if self.sensor_id:
            self.done.set()


async def listen(user_input: dict[str, Any], box: Any) -> tuple[Heard | None, str | None]:
    heard = Heard()
    connection = MqttConnection(
        settings_from(user_input), TOPICS, lambda t, p, _r: heard.add(t, p, box)
    )
    try:
        await connection.start()
    except Exception as err:  # every failure is a form error
        return None, broker_error(err)
    try:
        async with asyncio.timeout(LISTEN_S):
            await heard.done.wait()
    except TimeoutError:
        pass
    finally:
        await connection.stop()
    if heard.sensor_id:
        return heard, None
    if heard.messages and not heard.decrypted:
        return heard, "invalid_key"
    return heard, "no_messages"


class FlumeFlowMixin(FlowMixin):
    async def async_step_flume(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            key = (user_input.get(CONF_DEVICE_KEY) or "").strip() or None
            try:
                box = make_box(key)
            except ValueError:
                errors[CONF_DEVICE_KEY] = "invalid_key_format"
            else:
                heard, error = await listen(user_input, box)
                if error is None and heard and heard.sensor_id:
                    await self.async_set_unique_id(heard.sensor_id)
                    self._abort_if_unique_id_configured(updates={CONF_HOST: user_input[CONF_HOST]})
                    return self.async_create_entry(
                        title=f"Flume {heard.sensor_id[-6:]}",
                        data={
                            CONF_KIND: KIND_FLUME,
                            **broker_data(settings_from(user_input)),
                            CONF_HOST: user_input[CONF_HOST],  # as typed (the old entries too)
                            CONF_DEVICE_KEY: key,
                            CONF_SENSOR_ID: heard.sensor_id,
                        },
                        options={CONF_LITERS_PER_PULSE: DEFAULT_LITERS_PER_PULSE},
                    )
                errors["base"] = error or "no_messages"
        schema = vol.Schema(
            {**broker_fields(DEFAULT_MQTT_PORT), vol.Optional(CONF_DEVICE_KEY): PASSWORD_SELECTOR}
        )
        return self.async_show_form(
            step_id="flume",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={"seconds": str(int(LISTEN_S))},
        )


class FlumeOptionsFlow(OptionsFlow):
    """Calibration, meter offset and the leak rules."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        options = self.config_entry.options
        rules = RuleSettings()

        schema = vol.Schema(
            {
                vol.Required(
                    CONF_LITERS_PER_PULSE,
                    default=options.get(CONF_LITERS_PER_PULSE, DEFAULT_LITERS_PER_PULSE),
                ): number_box(0.0001, 100, 0.0001, "L"),
                vol.Required(
                    CONF_METER_OFFSET_L, default=options.get(CONF_METER_OFFSET_L, 0.0)
                ): number_box(-1e9, 1e9, 0.001, "L"),
                vol.Required(
                    CONF_CONTINUOUS_MIN,
                    default=options.get(CONF_CONTINUOUS_MIN, rules.continuous_min),
                ): number_box(5, 1440, 1, "min"),
                vol.Required(
                    CONF_HIGH_FLOW_L_MIN,
                    default=options.get(CONF_HIGH_FLOW_L_MIN, round(rules.high_flow_l_min, 2)),
                ): number_box(0.5, 500, 0.01, "L/min"),
                vol.Required(
                    CONF_HIGH_FLOW_MIN,
                    default=options.get(CONF_HIGH_FLOW_MIN, rules.high_flow_min),
                ): number_box(1, 240, 1, "min"),
                vol.Optional(
                    CONF_AWAY_ENTITY,
                    description={"suggested_value": options.get(CONF_AWAY_ENTITY)},
                ): selector.EntitySelector(
                    selector.EntitySelectorConfig(
                        domain=["input_boolean", "binary_sensor", "switch"]
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)
