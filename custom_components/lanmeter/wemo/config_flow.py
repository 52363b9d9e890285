"""Config flow steps of the WeMo kind: address (ports probed when empty), SSDP, options."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.helpers.selector import BooleanSelector
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from pywemo import WeMoDevice
import voluptuous as vol

from ..const import CONF_KIND, CONF_SET_CLOCK, DEFAULT_SET_CLOCK, DOMAIN, KIND_WEMO
from ..core_neighbours import WEMO, core_runs
from ..flow_fields import PORT_SELECTOR, FlowMixin
from .const import CONF_CALLBACK_ADDRESS, CONF_CALLBACK_PORT
from .discovery import DEVICE_ERRORS, NotAWemoError, connect
from .registry import callback_port

BELKIN = "Belkin International Inc."


class WemoFlowMixin(FlowMixin):
    _wemo_found: tuple[str, int, str, str]  # host, port, serial, name

    async def _wemo_probe(self, host: str, port: int | None) -> tuple[WeMoDevice | None, str]:
        try:
            device = await self.hass.async_add_executor_job(connect, host, port)
        except NotAWemoError:
            return None, "not_a_wemo_device"
        except DEVICE_ERRORS:
            return None, "cannot_connect"
        return (device, "") if device else (None, "cannot_connect")

    async def async_step_wemo(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = int(user_input[CONF_PORT]) if user_input.get(CONF_PORT) else None
            device, error = await self._wemo_probe(host, port)
            if device is not None:
                return await self._wemo_create(host, device.port, device.serial_number, device.name)
            errors["base"] = error
        schema = vol.Schema(
            {
                vol.Required(CONF_HOST): str,
                vol.Optional(CONF_PORT): PORT_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="wemo",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def _wemo_create(self, host: str, port: int, serial: str, name: str) -> ConfigFlowResult:
        await self.async_set_unique_id(serial, raise_on_progress=False)
        # The entry's update listener reloads it at its new address.
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: host, CONF_PORT: port}, reload_on_update=False
        )
        return self.async_create_entry(
            title=name, data={CONF_KIND: KIND_WEMO, CONF_HOST: host, CONF_PORT: port}
        )

    async def async_step_wemo_ssdp(self, discovery_info: SsdpServiceInfo) -> ConfigFlowResult:
        """A WeMo answered SSDP: offer it, or follow a configured one to its new address."""
        if discovery_info.upnp.get("manufacturer") != BELKIN:
            return self.async_abort(reason="not_a_wemo_device")
        location = urlparse(discovery_info.ssdp_location or "")
        serial = discovery_info.upnp.get("serialNumber")
        if not location.hostname or not location.port or not serial:
            return self.async_abort(reason="not_a_wemo_device")
        await self.async_set_unique_id(serial)
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: location.hostname, CONF_PORT: location.port},
            reload_on_update=False,
        )
        if core_runs(self.hass, WEMO, serial=serial):
            return self.async_abort(reason="followed_by_core")
        name = discovery_info.upnp.get("friendlyName", "WeMo")
        self._wemo_found = (location.hostname, location.port, serial, name)
        self.context["title_placeholders"] = {"name": name}
        return await self.async_step_wemo_confirm()

    async def async_step_wemo_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        host, port, serial, name = self._wemo_found
        if user_input is not None:
            return await self._wemo_create(host, port, serial, name)
        self._set_confirm_only()
        return self.async_show_form(
            step_id="wemo_confirm", description_placeholders={"name": name, "host": host}
        )


class WemoOptionsFlow(OptionsFlow):
    """Where WeMo devices send their push updates (shared by all WeMo entries)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            shared = {
                CONF_CALLBACK_PORT: int(user_input[CONF_CALLBACK_PORT]),
                CONF_CALLBACK_ADDRESS: (user_input.get(CONF_CALLBACK_ADDRESS) or "").strip(),
            }
            # One callback server serves every WeMo: that setting belongs to all WeMo entries;
            # setting the clock stays each device's own.
            for other in self.hass.config_entries.async_entries(DOMAIN):
                if other.data.get(CONF_KIND) == KIND_WEMO and other is not self.config_entry:
                    self.hass.config_entries.async_update_entry(
                        other, options={**other.options, **shared}
                    )
            return self.async_create_entry(
                data={**shared, CONF_SET_CLOCK: bool(user_input[CONF_SET_CLOCK])}
            )
        current = self.config_entry.options
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_CALLBACK_PORT,
                        default=callback_port(current),
                    ): PORT_SELECTOR,
                    vol.Optional(
                        CONF_CALLBACK_ADDRESS, default=current.get(CONF_CALLBACK_ADDRESS, "")
                    ): str,
                    vol.Required(
                        CONF_SET_CLOCK, default=current.get(CONF_SET_CLOCK, DEFAULT_SET_CLOCK)
                    ): BooleanSelector(),
                }
            ),
        )
