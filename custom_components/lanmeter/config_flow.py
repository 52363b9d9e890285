"""Config flow: the user picks a kind from a menu; each kind's steps live in its own package."""

from __future__ import annotations

from collections.abc import Mapping
import types
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import callback
from homeassistant.data_entry_flow import UnknownHandler

from .const import CONF_KIND, DOMAIN
from .kinds import KINDS
from .mqtt_flow import MqttReauthFlowMixin
from .runtime import DISCOVERY_SOURCES


def options_flow_for(entry: ConfigEntry) -> type[OptionsFlow] | None:
    """The entry's options flow, as its kind's spec says (None: no options)."""
    spec = KINDS.get(entry.data.get(CONF_KIND, ""))
    return spec.options_flow(entry) if spec else None


class LanMeterFlowBase(MqttReauthFlowMixin, ConfigFlow):
    """Add one device of one kind: the menu, and the steps every kind dispatches through its
    spec. LanMeterConfigFlow below adds each kind's own steps."""

    VERSION = 1
    MINOR_VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of device to add."""
        return self.async_show_menu(step_id="user", menu_options=list(KINDS))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of a configured device (each kind has its own form)."""
        spec = KINDS.get(self._get_reconfigure_entry().data[CONF_KIND])
        if spec is None or spec.reconfigure is None:
            return self.async_abort(reason="reconfigure_not_supported")
        return await spec.reconfigure(self, user_input)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Stored credentials were refused (a broker's, or a KLAP strip's Kasa account): the
        kind's own step asks for new ones."""
        spec = KINDS.get(entry_data.get(CONF_KIND, ""))
        if spec is None or spec.reauth is None:
            return self.async_abort(reason="reauth_not_supported")
        return await spec.reauth(self, None)

    async def async_step_integration_discovery(
        self, discovery_info: dict[str, Any]
    ) -> ConfigFlowResult:
        """Something a running entry found (a Glow CAD to accept, an appliance to name): the
        kind named in the data asks the user."""
        spec = KINDS.get(discovery_info.get(CONF_KIND, ""))
        if spec is None or spec.discovery is None:
            return self.async_abort(reason="not_supported_device")
        return await spec.discovery(self, discovery_info)

    async def async_step_dhcp(self, discovery_info: Any) -> ConfigFlowResult:
        return await self._route_discovery("dhcp", discovery_info)

    async def async_step_ssdp(self, discovery_info: Any) -> ConfigFlowResult:
        return await self._route_discovery("ssdp", discovery_info)

    async def async_step_zeroconf(self, discovery_info: Any) -> ConfigFlowResult:
        return await self._route_discovery("zeroconf", discovery_info)

    async def _route_discovery(self, source: str, discovery_info: Any) -> ConfigFlowResult:
        """Home Assistant found a device by `source`: the first kind that claims it asks the
        user (each kind's spec says which sources it answers)."""
        assert source in DISCOVERY_SOURCES
        for spec in KINDS.values():
            route = spec.discovered_by.get(source)
            if route is not None and route.claims(discovery_info):
                return await route.step(self, discovery_info)
        return self.async_abort(reason="not_supported_device")

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        if (flow := options_flow_for(config_entry)) is None:
            raise UnknownHandler  # Home Assistant asks only after async_supports_options_flow
        return flow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry) -> bool:
        return options_flow_for(config_entry) is not None


# The flow Home Assistant runs: the base plus every listed kind's flow mixin (its
# `async_step_<kind>` and the steps after it), so a new kind needs only its spec in KINDS.
# Passing `domain` registers it as the integration's config flow.
LanMeterConfigFlow: type[LanMeterFlowBase] = types.new_class(
    "LanMeterConfigFlow",
    (*(spec.flow for spec in KINDS.values()), LanMeterFlowBase),
    {"domain": DOMAIN},
    lambda namespace: namespace.update(__module__=__name__, __doc__=LanMeterFlowBase.__doc__),
)
