"""Config flow steps of the home kind: which sensors make the breakdown, and the Sense bridge."""

from __future__ import annotations

import ipaddress
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_NAME
from homeassistant.helpers import selector
import voluptuous as vol

from ..const import CONF_KIND, KIND_HOME
from ..flow_fields import PORT_SELECTOR, FlowMixin, number_box
from . import HomeRuntime
from .appliances import ApplianceModel, Candidate
from .const import (
    CONF_DEVICES,
    CONF_EMULATE_SENSE,
    CONF_INTO,
    CONF_MAINS,
    CONF_MERGE,
    CONF_SENSE_MONITORS,
    CONF_SENSE_PORT,
    CONF_THRESHOLD,
    DEFAULT_SENSE_PORT,
    DEFAULT_THRESHOLD_W,
)


def home_schema(defaults: dict[str, Any]) -> vol.Schema:
    monitors = defaults.get(CONF_SENSE_MONITORS, [])  # stored: a list; a refused form: its text
    power = selector.EntitySelectorConfig(domain="sensor", device_class=SensorDeviceClass.POWER)
    return vol.Schema(
        {
            vol.Required(CONF_MAINS, default=defaults.get(CONF_MAINS, vol.UNDEFINED)): (
                selector.EntitySelector(power)
            ),
            vol.Optional(CONF_DEVICES, default=defaults.get(CONF_DEVICES, [])): (
                selector.EntitySelector(
                    selector.EntitySelectorConfig(
                        domain="sensor", device_class=SensorDeviceClass.POWER, multiple=True
                    )
                )
            ),
            vol.Required(
                CONF_THRESHOLD, default=defaults.get(CONF_THRESHOLD, DEFAULT_THRESHOLD_W)
            ): number_box(5, 2000, 1, "W"),
            vol.Required(CONF_EMULATE_SENSE, default=defaults.get(CONF_EMULATE_SENSE, False)): bool,
            vol.Required(
                CONF_SENSE_PORT, default=defaults.get(CONF_SENSE_PORT, DEFAULT_SENSE_PORT)
            ): PORT_SELECTOR,
            vol.Optional(
                CONF_SENSE_MONITORS,
                default=monitors if isinstance(monitors, str) else ", ".join(monitors),
            ): selector.TextSelector(),
        }
    )


def sense_monitors(text: str) -> list[str]:
    """Comma-separated IP addresses (ValueError for anything else), normalised."""
    return [str(ipaddress.ip_address(part.strip())) for part in text.split(",") if part.strip()]


def clean(user_input: dict[str, Any]) -> dict[str, Any]:
    return {
        CONF_MAINS: user_input[CONF_MAINS],
        CONF_DEVICES: [d for d in user_input.get(CONF_DEVICES, []) if d != user_input[CONF_MAINS]],
        CONF_THRESHOLD: float(user_input[CONF_THRESHOLD]),
        CONF_EMULATE_SENSE: bool(user_input[CONF_EMULATE_SENSE]),
        CONF_SENSE_PORT: int(user_input[CONF_SENSE_PORT]),
        CONF_SENSE_MONITORS: sense_monitors(user_input.get(CONF_SENSE_MONITORS, "")),
    }


def checked(user_input: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The options from a form, or the form's errors."""
    try:
        return clean(user_input), {}
    except ValueError:
        return None, {CONF_SENSE_MONITORS: "invalid_sense_monitor"}


class HomeFlowMixin(FlowMixin):
    """The home step of LAN Meter's config flow (one home per Home Assistant), and naming the
    appliances it learns."""

    _home_appliance: dict[str, Any]

    async def async_step_home(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        await self.async_set_unique_id("home")
        self._abort_if_unique_id_configured()
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = checked(user_input)
            if options is not None:
                return self.async_create_entry(
                    title="Home", data={CONF_KIND: KIND_HOME}, options=options
                )
        return self.async_show_form(
            step_id="home", data_schema=home_schema(user_input or {}), errors=errors
        )

    async def async_step_home_discovery(
        self, discovery_info: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """The home view learned an appliance in Other: ask the user to name it (Home
        Assistant's own Ignore on the discovered card keeps it from being offered again)."""
        if discovery_info is None:  # only ever reached with the coordinator's data
            return self.async_abort(reason="not_supported_device")
        await self.async_set_unique_id(f"home_appliance_{discovery_info['key']}")
        self._abort_if_unique_id_configured()
        self._home_appliance = discovery_info
        size_kw = f"{discovery_info['size_w'] / 1000:.1f}"
        self.context["title_placeholders"] = {"name": f"Appliance of about {size_kw} kW"}
        return await self.async_step_home_appliance()

    async def async_step_home_appliance(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        found = self._home_appliance
        entry = self.hass.config_entries.async_get_entry(found["entry_id"])
        if entry is None:
            return self.async_abort(reason="home_gone")
        # Offered while the home starts (again, after a restart): shown from what was found;
        # naming needs it running.
        appliances = None
        if entry.state is ConfigEntryState.LOADED and isinstance(
            runtime := entry.runtime_data.runtime, HomeRuntime
        ):
            appliances = runtime.coordinator.appliances
        errors: dict[str, str] = {}
        if user_input is not None and (name := user_input[CONF_NAME].strip()):
            if appliances is None:
                errors["base"] = "home_not_running"
            elif appliances.knows(found["key"]):
                await runtime.coordinator.async_name_appliance(found["key"], name)
                return self.async_abort(reason="appliance_named")
        if appliances is not None and not appliances.knows(found["key"]):
            return self.async_abort(reason="home_gone")  # deleted or merged meanwhile
        # Its runs until now, not when it was found.
        now = appliances.describe(found["key"]) if appliances else Candidate(**found_fields(found))
        return self.async_show_form(
            step_id="home_appliance",
            data_schema=vol.Schema({vol.Required(CONF_NAME): selector.TextSelector()}),
            description_placeholders={
                "size_kw": f"{now.size_w / 1000:.1f}",
                "runs": str(now.runs),
                "minutes": str(max(1, round(now.duration_s / 60))),
                "hour": f"{now.hour}:00",
            },
            errors=errors,
        )


def found_fields(discovery_info: dict[str, Any]) -> dict[str, Any]:
    """The candidate's fields out of the discovery data (which also names the home entry)."""
    return {name: discovery_info[name] for name in Candidate.__dataclass_fields__}


class HomeOptionsFlow(OptionsFlow):
    """Change any of the home's settings (the entry reloads with them), or, once appliances are
    named, merge two that are one."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is None and (model := self._appliances()) is not None and model.named():
            return self.async_show_menu(menu_options=["settings", "merge_appliances"])
        return await self.async_step_settings(user_input)

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            options, errors = checked(user_input)
            if options is not None:
                return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",  # its answers come back to async_step_init
            data_schema=home_schema(dict(self.config_entry.options)),
            errors=errors,
        )

    async def async_step_merge_appliances(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Two of what LAN Meter found are one appliance: the first becomes part of the
        second (a named one), its runs the named one's from now on."""
        appliances = self._appliances()
        if appliances is None or not appliances.named():
            return self.async_abort(reason="home_gone")
        errors: dict[str, str] = {}
        if user_input is not None:
            merge, into = user_input[CONF_MERGE], user_input[CONF_INTO]
            if merge == into:
                errors["base"] = "merge_same"
            elif appliances.knows(merge) and appliances.knows(into):
                runtime = self.config_entry.runtime_data.runtime
                assert isinstance(runtime, HomeRuntime)  # _appliances() checked it
                await runtime.coordinator.async_merge_appliances(merge, into)
                return self.async_create_entry(data=dict(self.config_entry.options))
            else:
                return self.async_abort(reason="home_gone")  # deleted meanwhile

        def choice(keys: list[str]) -> selector.SelectSelector:
            return selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[
                        selector.SelectOptionDict(value=key, label=appliances.described(key))
                        for key in keys
                    ],
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            )

        return self.async_show_form(
            step_id="merge_appliances",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_MERGE): choice(appliances.learned_keys()),
                    vol.Required(CONF_INTO): choice([s.key for s in appliances.named()]),
                }
            ),
            errors=errors,
        )

    def _appliances(self) -> ApplianceModel | None:
        """The running home's appliance model (None while the entry is not loaded)."""
        if self.config_entry.state is not ConfigEntryState.LOADED:
            return None
        runtime = self.config_entry.runtime_data.runtime
        return runtime.coordinator.appliances if isinstance(runtime, HomeRuntime) else None
