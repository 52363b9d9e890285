"""Config flow: the user picks a kind from a menu; each kind's steps live in its own package."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult

from .const import ALL_KINDS, DOMAIN


class LanMeterConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add one device of one kind."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of device to add."""
        return self.async_show_menu(step_id="user", menu_options=list(ALL_KINDS))

    def _abort_not_built(self, kind: str) -> ConfigFlowResult:
        return self.async_abort(reason="kind_not_built", description_placeholders={"kind": kind})

    async def async_step_kasa(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a TP-Link Kasa strip or plug."""
        return self._abort_not_built("kasa")

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
