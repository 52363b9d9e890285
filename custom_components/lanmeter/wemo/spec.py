"""The WeMo kind's spec: how the shared setup and config flow reach it."""

from __future__ import annotations

from ..const import KIND_WEMO
from ..runtime import Discovered, KindSpec
from . import async_setup_wemo
from .config_flow import WemoFlowMixin, WemoOptionsFlow

WEMO = KindSpec(
    kind=KIND_WEMO,
    setup=async_setup_wemo,
    flow=WemoFlowMixin,
    options_flow=lambda entry: WemoOptionsFlow,
    discovered_by={"ssdp": Discovered(WemoFlowMixin.async_step_wemo_ssdp)},
)
