"""The Kasa kind's spec: how the shared setup and config flow reach it."""

from __future__ import annotations

from ..const import KIND_KASA
from ..runtime import Discovered, KindSpec
from . import async_setup_kasa
from .config_flow import KasaFlowMixin, KasaOptionsFlow

KASA = KindSpec(
    kind=KIND_KASA,
    setup=async_setup_kasa,
    flow=KasaFlowMixin,
    options_flow=lambda entry: KasaOptionsFlow,
    reconfigure=KasaFlowMixin.async_step_kasa_reconfigure,
    reauth=KasaFlowMixin.async_step_kasa_reauth,  # a KLAP strip's Kasa account
    discovered_by={"dhcp": Discovered(KasaFlowMixin.async_step_kasa_dhcp)},
)
