"""The Glow kind's spec: how the shared setup and config flow reach it."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry, OptionsFlow

from ..const import KIND_GLOW
from ..mqtt_flow import MqttReauthFlowMixin
from ..runtime import KindSpec
from . import async_setup_glow
from .config_flow import GlowFlowMixin, GlowOptionsFlow
from .const import CONF_MODE, MODE_ZB02


def _options_flow(entry: ConfigEntry) -> type[OptionsFlow] | None:
    """A /zb02 receiver's allow-list; an MQTT subscription has no options."""
    return GlowOptionsFlow if entry.data.get(CONF_MODE) == MODE_ZB02 else None


GLOW = KindSpec(
    kind=KIND_GLOW,
    setup=async_setup_glow,
    flow=GlowFlowMixin,
    options_flow=_options_flow,
    reauth=MqttReauthFlowMixin.async_step_reauth_confirm,  # Glow via MQTT: the broker's account
    discovery=GlowFlowMixin.async_step_glow_discovery,  # a CAD not on the allow-list
)
