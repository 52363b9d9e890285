"""Config flow steps of the Flume kind: broker, key, and a bounded wait for the bridge."""

from __future__ import annotations

from typing import Any, ClassVar

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_KIND, DEFAULT_MQTT_PORT, KIND_FLUME
from ..flow_fields import PASSWORD_SELECTOR, FlowMixin, error_key, number_box
from ..mqtt_entry import settings_from
from ..mqtt_flow import BROKER_ERRORS, broker_data, broker_fields
from .bridge_probe import LISTEN_S, KeyDoesNotOpen, SensorNotHeard, listen_for_sensor
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
from .messages import make_box
from .water import RuleSettings

# What listening for the sensor raised, as form errors (the broker's own, then the sensor's).
LISTEN_ERRORS: dict[type[Exception], str] = {
    **BROKER_ERRORS,
    KeyDoesNotOpen: "invalid_key",
    SensorNotHeard: "no_messages",
}


class FlumeFlowMixin(FlowMixin):
    # How long the flow waits for the sensor (a class setting, so tests can shorten it).
    flume_listen_s: ClassVar[float] = LISTEN_S

    async def async_step_flume(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            key = (user_input.get(CONF_DEVICE_KEY) or "").strip() or None
            try:
                box = make_box(key)
            except ValueError:
                errors[CONF_DEVICE_KEY] = "invalid_key_format"
            else:
                try:
                    sensor_id = await listen_for_sensor(
                        settings_from(user_input), box, self.flume_listen_s
                    )
                except Exception as err:  # every failure is a form error
                    errors["base"] = error_key(err, LISTEN_ERRORS, "an MQTT broker")
                else:
                    await self.async_set_unique_id(sensor_id)
                    self._abort_if_unique_id_configured(updates={CONF_HOST: user_input[CONF_HOST]})
                    return self.async_create_entry(
                        title=f"Flume {sensor_id[-6:]}",
                        data={
                            CONF_KIND: KIND_FLUME,
                            **broker_data(settings_from(user_input)),
                            CONF_HOST: user_input[CONF_HOST],  # as typed (the old entries too)
                            CONF_DEVICE_KEY: key,
                            CONF_SENSOR_ID: sensor_id,
                        },
                        options={CONF_LITERS_PER_PULSE: DEFAULT_LITERS_PER_PULSE},
                    )
        schema = vol.Schema(
            {**broker_fields(DEFAULT_MQTT_PORT), vol.Optional(CONF_DEVICE_KEY): PASSWORD_SELECTOR}
        )
        return self.async_show_form(
            step_id="flume",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders={"seconds": str(int(self.flume_listen_s))},
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
