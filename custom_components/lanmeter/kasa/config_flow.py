"""Config flow steps of the Kasa kind: manual address, network scan, DHCP, reconfigure, options."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.helpers import selector
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from kasa import Discover
import voluptuous as vol

from ..const import CONF_KIND, KIND_KASA
from .client import DEFAULT_PORT, KasaConnectionError, KasaStripClient, KasaUnsupportedError
from .const import (
    CONF_SCAN_INTERVAL,
    DEFAULT_SCAN_INTERVAL_S,
    MAX_SCAN_INTERVAL_S,
    MIN_SCAN_INTERVAL_S,
)
from .readings import KasaAnswerError, SysInfo, parse_sysinfo

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigFlow

    _Base = ConfigFlow
else:
    _Base = object

_LOGGER = logging.getLogger(__name__)

# Where the scan sends its broadcast. Tests point it at a simulator on 127.0.0.1.
DISCOVERY_TARGET = "255.255.255.255"
DISCOVERY_PORT: int | None = None  # python-kasa's default, 9999
DISCOVERY_TIMEOUT_S = 3

CONF_DEVICE = "device"


def _port_selector() -> selector.NumberSelector:
    return selector.NumberSelector(
        selector.NumberSelectorConfig(min=1, max=65535, mode=selector.NumberSelectorMode.BOX)
    )


async def probe(host: str, port: int) -> tuple[SysInfo | None, str | None]:
    """Connect and identify; return the device or a config flow error key."""
    client = KasaStripClient(host, port)
    try:
        return await client.identify(), None
    except KasaConnectionError:
        return None, "cannot_connect"
    except (KasaUnsupportedError, KasaAnswerError) as err:
        _LOGGER.info("%s:%s is not a supported Kasa plug or strip: %s", host, port, err)
        return None, "unsupported_device"
    finally:
        await client.close()


async def scan() -> dict[str, tuple[SysInfo, int]]:
    """Broadcast a discovery query; return the supported plugs and strips that answered, by IP."""
    found: dict[str, tuple[SysInfo, int]] = {}

    def on_raw(raw: dict[str, Any]) -> None:
        meta = raw.get("meta", {})
        response = raw.get("discovery_response", {})
        try:
            info = parse_sysinfo(response["system"]["get_sysinfo"])
        except (KasaAnswerError, KeyError, TypeError):
            return
        found[meta["ip"]] = (info, DISCOVERY_PORT or DEFAULT_PORT)

    devices = await Discover.discover(
        target=DISCOVERY_TARGET,
        port=DISCOVERY_PORT,
        discovery_timeout=DISCOVERY_TIMEOUT_S,
        on_discovered_raw=on_raw,
    )
    for device in devices.values():
        with contextlib.suppress(Exception):
            await device.protocol.close()
    return found


class KasaFlowMixin(_Base):
    """The Kasa steps of LAN Meter's config flow."""

    _kasa_found: dict[str, tuple[SysInfo, int]]
    _kasa_discovered: tuple[str, int, SysInfo]

    async def async_step_kasa(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Enter an address, or scan the network for strips."""
        return self.async_show_menu(step_id="kasa", menu_options=["kasa_manual", "kasa_scan"])

    async def async_step_kasa_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = int(user_input.get(CONF_PORT, DEFAULT_PORT))
            info, error = await probe(host, port)
            if info is not None:
                return await self._kasa_create(host, port, info)
            errors["base"] = error or "cannot_connect"
        schema = vol.Schema(
            {
                vol.Required(CONF_HOST): str,
                vol.Optional(CONF_PORT, default=DEFAULT_PORT): _port_selector(),
            }
        )
        return self.async_show_form(
            step_id="kasa_manual",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_kasa_scan(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """List the strips that answered a discovery broadcast and are not set up yet."""
        if user_input is None:
            configured = self._async_current_ids(include_ignore=False)
            found = await scan()
            self._kasa_found = {
                ip: (info, port)
                for ip, (info, port) in found.items()
                if format_mac(info.mac) not in configured
            }
            if not self._kasa_found:
                return self.async_abort(reason="kasa_none_found")
            options = [
                selector.SelectOptionDict(value=ip, label=f"{info.alias} ({info.model}, {ip})")
                for ip, (info, _port) in sorted(self._kasa_found.items())
            ]
            return self.async_show_form(
                step_id="kasa_scan",
                data_schema=vol.Schema(
                    {
                        vol.Required(CONF_DEVICE): selector.SelectSelector(
                            selector.SelectSelectorConfig(options=options)
                        )
                    }
                ),
            )
        ip = user_input[CONF_DEVICE]
        _info, port = self._kasa_found[ip]
        info, error = await probe(ip, port)
        if info is None:
            return self.async_abort(reason=error or "cannot_connect")
        return await self._kasa_create(ip, port, info)

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A TP-Link device got an address: update a configured strip, else offer to add it."""
        mac = format_mac(discovery_info.macaddress)
        await self.async_set_unique_id(mac)
        # The entry's update listener reloads it with the new address.
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: discovery_info.ip}, reload_on_update=False
        )
        info, _error = await probe(discovery_info.ip, DEFAULT_PORT)
        if info is None or format_mac(info.mac) != mac:
            return self.async_abort(reason="not_supported_device")
        self._kasa_discovered = (discovery_info.ip, DEFAULT_PORT, info)
        self.context["title_placeholders"] = {"name": info.alias}
        return await self.async_step_kasa_confirm()

    async def async_step_kasa_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        host, port, info = self._kasa_discovered
        if user_input is not None:
            return await self._kasa_create(host, port, info)
        self._set_confirm_only()
        return self.async_show_form(
            step_id="kasa_confirm",
            description_placeholders={"name": info.alias, "model": info.model, "host": host},
        )

    async def _kasa_create(self, host: str, port: int, info: SysInfo) -> ConfigFlowResult:
        await self.async_set_unique_id(format_mac(info.mac), raise_on_progress=False)
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: host, CONF_PORT: port}, reload_on_update=False
        )
        return self.async_create_entry(
            title=info.alias,
            data={CONF_KIND: KIND_KASA, CONF_HOST: host, CONF_PORT: port},
        )

    async def async_step_kasa_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point the entry at the strip's new address; it must be the same strip."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = int(user_input.get(CONF_PORT, DEFAULT_PORT))
            info, error = await probe(host, port)
            if info is None:
                errors["base"] = error or "cannot_connect"
            else:
                await self.async_set_unique_id(format_mac(info.mac))
                self._abort_if_unique_id_mismatch(reason="kasa_wrong_device")
                # Not async_update_reload_and_abort: the entry's update listener reloads it.
                self.hass.config_entries.async_update_entry(
                    entry, data={**entry.data, CONF_HOST: host, CONF_PORT: port}
                )
                return self.async_abort(reason="reconfigure_successful")
        schema = vol.Schema(
            {
                vol.Required(CONF_HOST): str,
                vol.Optional(CONF_PORT, default=DEFAULT_PORT): _port_selector(),
            }
        )
        return self.async_show_form(
            step_id="kasa_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                user_input or {CONF_HOST: entry.data[CONF_HOST], CONF_PORT: entry.data[CONF_PORT]},
            ),
            errors=errors,
        )


class KasaOptionsFlow(OptionsFlow):
    """How often the strip is polled."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL])}
            )
        current = self.config_entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S)
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_SCAN_INTERVAL, default=current): selector.NumberSelector(
                        selector.NumberSelectorConfig(
                            min=MIN_SCAN_INTERVAL_S,
                            max=MAX_SCAN_INTERVAL_S,
                            step=1,
                            unit_of_measurement="s",
                            mode=selector.NumberSelectorMode.BOX,
                        )
                    )
                }
            ),
        )
