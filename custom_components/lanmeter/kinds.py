"""Which kinds this version can run. A kind joins this table when its package lands."""

from __future__ import annotations

from .const import KIND_KASA
from .kasa import async_setup_kasa
from .runtime import KindSetup

KIND_SETUPS: dict[str, KindSetup] = {KIND_KASA: async_setup_kasa}
