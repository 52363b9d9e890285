"""The home kind's spec: how the shared setup and config flow reach it."""

from __future__ import annotations

from ..const import KIND_HOME
from ..runtime import KindSpec
from . import async_setup_home
from .config_flow import HomeFlowMixin, HomeOptionsFlow

HOME = KindSpec(
    kind=KIND_HOME,
    setup=async_setup_home,
    flow=HomeFlowMixin,
    options_flow=lambda entry: HomeOptionsFlow,
    discovery=HomeFlowMixin.async_step_home_discovery,  # an appliance learned in Other
)
