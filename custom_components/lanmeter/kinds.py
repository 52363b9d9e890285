"""Which kinds this version can run. A kind joins this table when its package lands."""

from __future__ import annotations

from .runtime import KindSetup

KIND_SETUPS: dict[str, KindSetup] = {}
