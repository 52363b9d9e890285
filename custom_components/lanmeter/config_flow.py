"""Config flow: the user picks a kind from a menu; each kind's steps live in its own package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback

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
from .glow.config_flow import GlowFlowMixin, GlowOptionsFlow
from .glow.const import CONF_MODE, MODE_ZB02
from .home.config_flow import HomeFlowMixin, HomeOptionsFlow
from .kasa.config_flow import KasaFlowMixin, KasaOptionsFlow
from .mqtt_flow import MqttReauthFlowMixin
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
    MqttReauthFlowMixin,
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
        result: ConfigFlowResult = await step(user_input)
        return result

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Stored credentials were refused: a broker's (Glow via MQTT, Flume) or a KLAP strip's
        Kasa account. Ask for new ones."""
        if entry_data.get(CONF_KIND) == KIND_KASA:
            return await self.async_step_kasa_reauth()
        return await self.async_step_reauth_confirm()

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
