"""The Flume kind's spec: how the shared setup and config flow reach it."""

from __future__ import annotations

from ..const import KIND_FLUME
from ..mqtt_flow import MqttReauthFlowMixin
from ..runtime import KindSpec
from . import async_setup_flume
from .config_flow import FlumeFlowMixin, FlumeOptionsFlow

FLUME = KindSpec(
    kind=KIND_FLUME,
    setup=async_setup_flume,
    flow=FlumeFlowMixin,
    options_flow=lambda entry: FlumeOptionsFlow,
    reauth=MqttReauthFlowMixin.async_step_reauth_confirm,  # the broker's account
)
