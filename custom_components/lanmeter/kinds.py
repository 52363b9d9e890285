"""Which kinds this version can run. A kind joins this table when its package lands."""

from __future__ import annotations

from .const import KIND_FLUME, KIND_GLOW, KIND_HOME, KIND_KASA, KIND_WEMO
from .flume import async_setup_flume
from .glow import async_setup_glow
from .home import async_setup_home
from .kasa import async_setup_kasa
from .runtime import KindSetup
from .wemo import async_setup_wemo

KIND_SETUPS: dict[str, KindSetup] = {
    KIND_KASA: async_setup_kasa,
    KIND_GLOW: async_setup_glow,
    KIND_HOME: async_setup_home,
    KIND_FLUME: async_setup_flume,
    KIND_WEMO: async_setup_wemo,
}
