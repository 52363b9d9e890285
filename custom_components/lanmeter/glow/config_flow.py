"""Config flow steps of the Glow kind: a /zb02 receiver or a local-MQTT subscription."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PORT
import voluptuous as vol

from ..const import CONF_KIND, DEFAULT_MQTT_PORT, KIND_GLOW
from ..flow_fields import PORT_SELECTOR, FlowMixin, error_key
from ..mqtt_client import check_broker, valid_topic_prefix
from ..mqtt_entry import settings_from
from ..mqtt_flow import broker_data, broker_error, broker_fields
from .const import (
    CONF_ALLOWED,
    CONF_LISTEN,
    CONF_MODE,
    CONF_PREFIX,
    DEFAULT_PREFIX,
    DEFAULT_ZB02_PORT,
    MODE_MQTT,
    MODE_ZB02,
    allow_flow_id,
)
from .receiver import PortDenied, PortInUse, check_port

# Why the receiver cannot listen where the form says, as form errors.
PORT_ERRORS: dict[type[Exception], str] = {PortDenied: "port_denied", PortInUse: "port_in_use"}


class GlowFlowMixin(FlowMixin):
    """The Glow steps of LAN Meter's config flow."""

    _glow_allow: tuple[str, str]

    async def async_step_glow(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        return self.async_show_menu(step_id="glow", menu_options=["glow_zb02", "glow_mqtt"])

    async def async_step_glow_zb02(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            port = int(user_input[CONF_PORT])
            listen = (user_input.get(CONF_LISTEN) or "").strip()
            await self.async_set_unique_id(f"zb02:{port}")
            self._abort_if_unique_id_configured()
            try:
                await check_port(listen or None, port)
            except Exception as err:  # every failure is a form error
                errors[CONF_PORT] = error_key(err, PORT_ERRORS, f"port {port}")
            else:
                return self.async_create_entry(
                    title=f"Glow receiver (port {port})",
                    data={
                        CONF_KIND: KIND_GLOW,
                        CONF_MODE: MODE_ZB02,
                        CONF_PORT: port,
                        CONF_LISTEN: listen,
                    },
                    options={CONF_ALLOWED: []},
                )
        schema = vol.Schema(
            {
                vol.Required(CONF_PORT, default=DEFAULT_ZB02_PORT): PORT_SELECTOR,
                vol.Optional(CONF_LISTEN, default=""): str,
            }
        )
        return self.async_show_form(
            step_id="glow_zb02",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_glow_mqtt(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = int(user_input[CONF_PORT])
            prefix = user_input[CONF_PREFIX].strip().strip("/") or DEFAULT_PREFIX
            if not valid_topic_prefix(prefix):
                errors[CONF_PREFIX] = "invalid_topic"
                return self._glow_mqtt_form(user_input, errors)
            await self.async_set_unique_id(f"mqtt:{host}:{port}:{prefix}")
            self._abort_if_unique_id_configured()
            settings = settings_from({**user_input, CONF_HOST: host})
            try:
                await check_broker(settings)
            except Exception as err:  # every failure is a form error
                errors["base"] = broker_error(err)
            else:
                return self.async_create_entry(
                    title=f"Glow via MQTT ({host}, {prefix}/#)",
                    data={
                        CONF_KIND: KIND_GLOW,
                        CONF_MODE: MODE_MQTT,
                        **broker_data(settings),
                        CONF_PREFIX: prefix,
                    },
                )
        return self._glow_mqtt_form(user_input, errors)

    def _glow_mqtt_form(
        self, user_input: dict[str, Any] | None, errors: dict[str, str]
    ) -> ConfigFlowResult:
        schema = vol.Schema(
            {
                **broker_fields(DEFAULT_MQTT_PORT),
                vol.Required(CONF_PREFIX, default=DEFAULT_PREFIX): str,
            }
        )
        return self.async_show_form(
            step_id="glow_mqtt",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_glow_discovery(
        self, discovery_info: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """A CAD not on a receiver's allow-list posted: ask the user whether to accept it."""
        if discovery_info is None:  # only ever reached with the coordinator's data
            return self.async_abort(reason="not_supported_device")
        entry_id, device_id = discovery_info["entry_id"], discovery_info["device_id"]
        await self.async_set_unique_id(allow_flow_id(entry_id, device_id))
        self._abort_if_unique_id_configured()
        self._glow_allow = (entry_id, device_id)
        self.context["title_placeholders"] = {"name": f"Glow CAD {device_id}"}
        return await self.async_step_glow_allow()

    async def async_step_glow_allow(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry_id, device_id = self._glow_allow
        if user_input is None:
            return self.async_show_form(
                step_id="glow_allow", description_placeholders={"device_id": device_id}
            )
        entry = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None:
            return self.async_abort(reason="glow_receiver_gone")
        allowed = sorted({*entry.options.get(CONF_ALLOWED, []), device_id})
        self.hass.config_entries.async_update_entry(
            entry, options={**entry.options, CONF_ALLOWED: allowed}
        )
        return self.async_abort(reason="glow_device_allowed")


class GlowOptionsFlow(OptionsFlow):
    """Which CADs a /zb02 receiver accepts."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        options = self.config_entry.options
        if user_input is not None:
            allowed = sorted(
                {
                    part.strip()
                    for part in user_input.get(CONF_ALLOWED, "").split(",")
                    if part.strip()
                }
            )
            return self.async_create_entry(data={CONF_ALLOWED: allowed})
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Optional(
                        CONF_ALLOWED, default=", ".join(options.get(CONF_ALLOWED, []))
                    ): str,
                }
            ),
        )
