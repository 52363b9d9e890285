"""The MQTT broker part of the config flow, shared by the kinds fed through a broker (Glow via
MQTT, Flume): the broker form's fields, the connection check, and the reauth step."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
import voluptuous as vol

from .const import CONF_TLS
from .flow_fields import PASSWORD_SELECTOR, PORT_SELECTOR, FlowMixin, error_key
from .mqtt_client import MqttAuthError, MqttConnectError, MqttSettings, check_broker
from .mqtt_entry import settings_from


def broker_fields(default_port: int) -> dict[vol.Marker, Any]:
    """The broker's address, account and TLS, for a kind's form to extend."""
    return {
        vol.Required(CONF_HOST): str,
        vol.Required(CONF_PORT, default=default_port): PORT_SELECTOR,
        vol.Optional(CONF_USERNAME): str,
        vol.Optional(CONF_PASSWORD): PASSWORD_SELECTOR,
        vol.Required(CONF_TLS, default=False): bool,
    }


def broker_data(settings: MqttSettings) -> dict[str, Any]:
    """What an entry stores about its broker (read back by mqtt_entry.settings_from)."""
    return {
        CONF_HOST: settings.host,
        CONF_PORT: settings.port,
        CONF_USERNAME: settings.username,
        CONF_PASSWORD: settings.password,
        CONF_TLS: settings.tls,
    }


BROKER_ERRORS: dict[type[Exception], str] = {
    MqttAuthError: "invalid_auth",
    MqttConnectError: "cannot_connect",
}


def broker_error(err: Exception) -> str:
    """The form error for what connecting to a broker raised."""
    return error_key(err, BROKER_ERRORS, "an MQTT broker")


class MqttReauthFlowMixin(FlowMixin):
    """The broker refused the stored account: ask for a new one, check it, reload."""

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                **entry.data,
                CONF_USERNAME: user_input.get(CONF_USERNAME) or None,
                CONF_PASSWORD: user_input.get(CONF_PASSWORD) or None,
            }
            try:
                await check_broker(settings_from(data))
            except Exception as err:  # every failure is a form error
                errors["base"] = broker_error(err)
            else:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_USERNAME, default=entry.data.get(CONF_USERNAME) or ""): str,
                    vol.Optional(CONF_PASSWORD): PASSWORD_SELECTOR,
                }
            ),
            description_placeholders={"host": entry.data[CONF_HOST]},
            errors=errors,
        )
