"""Config flow steps of the Kasa kind: manual address, network scan, DHCP, Kasa account (KLAP
firmware), reconfigure, reauth, options."""

from __future__ import annotations

from typing import Any, ClassVar

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.helpers import selector
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from kasa import Credentials, DeviceEncryptionType
import voluptuous as vol

from ..const import CONF_KIND, CONF_SET_CLOCK, DEFAULT_SET_CLOCK
from ..core_neighbours import TPLINK, core_runs
from ..flow_fields import PASSWORD_SELECTOR, PORT_SELECTOR, FlowMixin, error_key, number_box
from .client import (
    DEFAULT_PORT,
    KasaAuthError,
    KasaConnectionError,
    KasaNewEncryptionError,
    KasaUnsupportedError,
)
from .const import (
    CONF_SCAN_INTERVAL,
    DEFAULT_SCAN_INTERVAL_S,
    MAX_SCAN_INTERVAL_S,
    MIN_SCAN_INTERVAL_S,
)
from .discovery import BROADCAST, Found, KasaAccountNeeded, Probe, probe, probe_any, scan
from .entry_data import entry_connection, entry_credentials, entry_data

CONF_DEVICE = "device"


# What probing raised, as a form error (KasaAccountNeeded is a KasaAuthError).
PROBE_ERRORS: dict[type[Exception], str] = {
    KasaNewEncryptionError: "kasa_new_encryption",
    KasaAuthError: "invalid_auth",
    KasaConnectionError: "cannot_connect",
    KasaUnsupportedError: "unsupported_device",
}


def _error_key(err: Exception) -> str:
    return error_key(err, PROBE_ERRORS, "a Kasa device")


def _account_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_USERNAME): selector.TextSelector(
                selector.TextSelectorConfig(type=selector.TextSelectorType.EMAIL)
            ),
            vol.Required(CONF_PASSWORD): PASSWORD_SELECTOR,
        }
    )


def _placeholders(err: Exception) -> dict[str, str]:
    """What a message about firmware LAN Meter cannot speak names."""
    if not isinstance(err, KasaNewEncryptionError):
        return {}
    return {
        "model": err.model,
        "encryption": err.encryption,
        "firmware": err.firmware or "version not announced",
    }


def _scan_label(device: Found) -> str:
    """Names, model and address only, so nothing in it needs translating; the step's
    description says what the key marks."""
    if device.needs_account:
        return f"{device.model} ({device.ip}) \N{KEY}"
    return f"{device.alias} ({device.model}, {device.ip})"


class KasaFlowMixin(FlowMixin):
    """The Kasa steps of LAN Meter's config flow."""

    _kasa_found: dict[str, Found]
    # Where the scan sends its query (class settings, so tests can aim it at a simulator).
    kasa_scan_target: ClassVar[str] = BROADCAST
    kasa_scan_port: ClassVar[int | None] = None
    _kasa_discovered: Probe
    _kasa_host: str
    _kasa_needs_account: KasaAccountNeeded

    async def async_step_kasa(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Enter an address, or scan the network for strips."""
        return self.async_show_menu(step_id="kasa", menu_options=["kasa_manual", "kasa_scan"])

    async def async_step_kasa_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = int(user_input.get(CONF_PORT, DEFAULT_PORT))
            try:
                result = await probe_any(host, port)
            except KasaAccountNeeded as needed:
                return await self._kasa_ask_account(host, needed)
            except Exception as err:  # every failure is a form error
                errors["base"] = _error_key(err)
                placeholders = _placeholders(err)
            else:
                return await self._kasa_create(host, result)
        schema = vol.Schema(
            {
                vol.Required(CONF_HOST): str,
                vol.Optional(CONF_PORT, default=DEFAULT_PORT): PORT_SELECTOR,
            }
        )
        return self.async_show_form(
            step_id="kasa_manual",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _kasa_ask_account(self, host: str, needed: KasaAccountNeeded) -> ConfigFlowResult:
        self._kasa_host = host
        self._kasa_needs_account = needed
        return await self.async_step_kasa_auth()

    async def async_step_kasa_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """KLAP firmware: the device only answers to its owner's Kasa account."""
        host, pending = self._kasa_host, self._kasa_needs_account
        errors: dict[str, str] = {}
        if user_input is not None:
            credentials = Credentials(user_input[CONF_USERNAME].strip(), user_input[CONF_PASSWORD])
            try:
                result = await probe(host, pending.port, pending.connection, credentials)
            except Exception as err:  # every failure is a form error
                errors["base"] = _error_key(err)
            else:
                return await self._kasa_create(host, result, credentials)
        return self.async_show_form(
            step_id="kasa_auth",
            data_schema=self.add_suggested_values_to_schema(
                _account_schema(), {CONF_USERNAME: (user_input or {}).get(CONF_USERNAME, "")}
            ),
            description_placeholders={"host": host},
            errors=errors,
        )

    async def async_step_kasa_scan(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """List the strips that answered a discovery broadcast and are not set up yet."""
        if user_input is None:
            configured = self._async_current_ids(include_ignore=False)
            found = await scan(self.kasa_scan_target, self.kasa_scan_port)
            self._kasa_found = {
                ip: device
                for ip, device in found.items()
                if format_mac(device.mac.replace("-", ":")) not in configured
            }
            if not self._kasa_found:
                return self.async_abort(reason="kasa_none_found")
            options = [
                selector.SelectOptionDict(value=ip, label=_scan_label(device))
                for ip, device in sorted(self._kasa_found.items())
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
        try:
            result = await probe_any(ip, self._kasa_found[ip].port)
        except KasaAccountNeeded as needed:
            return await self._kasa_ask_account(ip, needed)
        except Exception as err:  # every failure ends the scan's flow
            return self.async_abort(
                reason=_error_key(err), description_placeholders=_placeholders(err)
            )
        return await self._kasa_create(ip, result)

    async def async_step_kasa_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A TP-Link device got an address: update a configured strip, else offer to add it."""
        mac = format_mac(discovery_info.macaddress)
        await self.async_set_unique_id(mac)
        # The entry's update listener reloads it with the new address.
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: discovery_info.ip}, reload_on_update=False
        )
        if core_runs(self.hass, TPLINK, mac=mac):
            return self.async_abort(reason="followed_by_core")
        try:
            result = await probe_any(discovery_info.ip)
        except KasaAccountNeeded as needed:
            self.context["title_placeholders"] = {"name": discovery_info.ip}
            return await self._kasa_ask_account(discovery_info.ip, needed)
        except Exception as err:  # not a device to offer
            _error_key(err)  # logs what was unexpected
            return self.async_abort(reason="not_supported_device")
        if format_mac(result.info.mac) != mac:
            return self.async_abort(reason="not_supported_device")
        self._kasa_host = discovery_info.ip
        self._kasa_discovered = result
        self.context["title_placeholders"] = {"name": result.info.alias}
        return await self.async_step_kasa_confirm()

    async def async_step_kasa_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        host, result = self._kasa_host, self._kasa_discovered
        if user_input is not None:
            return await self._kasa_create(host, result)
        self._set_confirm_only()
        return self.async_show_form(
            step_id="kasa_confirm",
            description_placeholders={
                "name": result.info.alias,
                "model": result.info.model,
                "host": host,
            },
        )

    async def _kasa_create(
        self, host: str, result: Probe, credentials: Credentials | None = None
    ) -> ConfigFlowResult:
        await self.async_set_unique_id(format_mac(result.info.mac), raise_on_progress=False)
        data = entry_data(host, result.port, result.connection, credentials)
        self._abort_if_unique_id_configured(
            updates={k: v for k, v in data.items() if k != CONF_KIND}, reload_on_update=False
        )
        return self.async_create_entry(title=result.info.alias, data=data)

    async def async_step_kasa_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point the entry at the strip's new address; it must be the same strip."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            port = int(user_input.get(CONF_PORT, DEFAULT_PORT))
            credentials = entry_credentials(entry.data)
            if entry_connection(entry.data).encryption_type is DeviceEncryptionType.Klap:
                port = DEFAULT_PORT  # a KLAP strip's HTTP port comes from its discovery answer
            try:
                result = await probe_any(host, port, credentials)
            except Exception as err:  # every failure is a form error
                errors["base"] = _error_key(err)
            else:
                await self.async_set_unique_id(format_mac(result.info.mac))
                self._abort_if_unique_id_mismatch(reason="kasa_wrong_device")
                # Not async_update_reload_and_abort: the entry's update listener reloads it.
                self.hass.config_entries.async_update_entry(
                    entry,
                    data={
                        **entry.data,
                        **entry_data(host, result.port, result.connection, credentials),
                    },
                )
                return self.async_abort(reason="reconfigure_successful")
        schema = vol.Schema(
            {
                vol.Required(CONF_HOST): str,
                vol.Optional(CONF_PORT, default=DEFAULT_PORT): PORT_SELECTOR,
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

    async def async_step_kasa_reauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The strip refused the stored Kasa account (its password changed): ask again."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            credentials = Credentials(user_input[CONF_USERNAME].strip(), user_input[CONF_PASSWORD])
            try:
                result = await probe(
                    entry.data[CONF_HOST],
                    entry.data[CONF_PORT],
                    entry_connection(entry.data),
                    credentials,
                )
            except Exception as err:  # every failure is a form error
                errors["base"] = _error_key(err)
            else:
                if format_mac(result.info.mac) != entry.unique_id:
                    errors["base"] = "kasa_wrong_device"
                else:
                    # Not async_update_reload_and_abort: a loaded entry's update listener
                    # reloads it; one whose setup stopped for the account has no listener.
                    self.hass.config_entries.async_update_entry(
                        entry,
                        data={
                            **entry.data,
                            CONF_USERNAME: credentials.username,
                            CONF_PASSWORD: credentials.password,
                        },
                    )
                    if entry.state is not ConfigEntryState.LOADED:
                        self.hass.config_entries.async_schedule_reload(entry.entry_id)
                    return self.async_abort(reason="reauth_successful")
        return self.async_show_form(
            step_id="kasa_reauth",
            data_schema=self.add_suggested_values_to_schema(
                _account_schema(), {CONF_USERNAME: entry.data.get(CONF_USERNAME) or ""}
            ),
            description_placeholders={"name": entry.title, "host": entry.data[CONF_HOST]},
            errors=errors,
        )


class KasaOptionsFlow(OptionsFlow):
    """How often the strip is polled."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(
                data={
                    CONF_SCAN_INTERVAL: int(user_input[CONF_SCAN_INTERVAL]),
                    CONF_SET_CLOCK: bool(user_input[CONF_SET_CLOCK]),
                }
            )
        options = self.config_entry.options
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_SCAN_INTERVAL,
                        default=options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S),
                    ): number_box(MIN_SCAN_INTERVAL_S, MAX_SCAN_INTERVAL_S, 1, "s"),
                    vol.Required(
                        CONF_SET_CLOCK, default=options.get(CONF_SET_CLOCK, DEFAULT_SET_CLOCK)
                    ): selector.BooleanSelector(),
                }
            ),
        )
