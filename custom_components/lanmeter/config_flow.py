"""Config flow: the user picks a kind from a menu; each kind's steps live in its own package."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback

from .const import ALL_KINDS, CONF_KIND, DOMAIN, KIND_KASA
from .kasa.config_flow import KasaFlowMixin, KasaOptionsFlow

OPTIONS_FLOWS: dict[str, type[OptionsFlow]] = {KIND_KASA: KasaOptionsFlow}


class LanMeterConfigFlow(KasaFlowMixin, ConfigFlow, domain=DOMAIN):
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
        return await getattr(self, f"async_step_{kind}_reconfigure")(user_input)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        return OPTIONS_FLOWS[config_entry.data[CONF_KIND]]()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        return config_entry.data.get(CONF_KIND) in OPTIONS_FLOWS

    def _abort_not_built(self, kind: str) -> ConfigFlowResult:
        return self.async_abort(reason="kind_not_built", description_placeholders={"kind": kind})

    async def async_step_wemo(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a Belkin WeMo device."""
        return self._abort_not_built("wemo")

    async def async_step_flume(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a Flume water monitor bridge."""
        return self._abort_not_built("flume")

    async def async_step_glow(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a Glow CAD receiver."""
        return self._abort_not_built("glow")

    async def async_step_home(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add the whole-home view."""
        return self._abort_not_built("home")
