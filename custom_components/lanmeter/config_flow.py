"""Config flow: the user picks a kind from a menu; each kind's steps live in its own package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers import selector
import voluptuous as vol

from .const import (
    ALL_KINDS,
    CONF_KIND,
    DOMAIN,
    KIND_FLUME,
    KIND_GLOW,
    KIND_HOME,
    KIND_KASA,
    KIND_WEMO,
)
from .flume.config_flow import FlumeFlowMixin, FlumeOptionsFlow
from .glow.config_flow import GlowFlowMixin, GlowOptionsFlow, broker_problem
from .glow.const import CONF_MODE, MODE_ZB02
from .home.config_flow import HomeFlowMixin, HomeOptionsFlow
from .kasa.config_flow import KasaFlowMixin, KasaOptionsFlow
from .mqtt_entry import settings_from
from .wemo.config_flow import WemoFlowMixin, WemoOptionsFlow


def options_flow_for(entry: ConfigEntry) -> type[OptionsFlow] | None:
    """The entry's options: Kasa's poll interval, a Glow receiver's allow-list."""
    kind = entry.data.get(CONF_KIND)
    if kind == KIND_KASA:
        return KasaOptionsFlow
    if kind == KIND_GLOW and entry.data.get(CONF_MODE) == MODE_ZB02:
        return GlowOptionsFlow
    if kind == KIND_HOME:
        return HomeOptionsFlow
    if kind == KIND_FLUME:
        return FlumeOptionsFlow
    if kind == KIND_WEMO:
        return WemoOptionsFlow
    return None


class LanMeterConfigFlow(
    KasaFlowMixin,
    WemoFlowMixin,
    GlowFlowMixin,
    FlumeFlowMixin,
    HomeFlowMixin,
    ConfigFlow,
    domain=DOMAIN,
):
    """Add one device of one kind."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of device to add."""
        return self.async_show_menu(step_id="user", menu_options=list(ALL_KINDS))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of a configured device (each kind has its own form)."""
        kind = self._get_reconfigure_entry().data[CONF_KIND]
        if (step := getattr(self, f"async_step_{kind}_reconfigure", None)) is None:
            return self.async_abort(reason="reconfigure_not_supported")
        return await step(user_input)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Stored credentials were refused: a broker's (Glow via MQTT, Flume) or a KLAP strip's
        Kasa account. Ask for new ones."""
        if entry_data.get(CONF_KIND) == KIND_KASA:
            return await self.async_step_kasa_reauth()
        return await self.async_step_reauth_confirm()

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
            if (problem := await broker_problem(settings_from(data))) is None:
                return self.async_update_reload_and_abort(entry, data=data)
            errors["base"] = problem
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_USERNAME, default=entry.data.get(CONF_USERNAME) or ""): str,
                    vol.Optional(CONF_PASSWORD): selector.TextSelector(
                        selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
                    ),
                }
            ),
            description_placeholders={"host": entry.data[CONF_HOST]},
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        flow = options_flow_for(config_entry)
        assert flow is not None
        return flow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        return options_flow_for(config_entry) is not None
