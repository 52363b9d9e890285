"""Which kinds this version runs: one spec per kind (its spec.py), in the menu's order."""

from __future__ import annotations

from .flume.spec import FLUME
from .glow.spec import GLOW
from .home.spec import HOME
from .kasa.spec import KASA
from .runtime import KindSpec
from .wemo.spec import WEMO

KINDS: dict[str, KindSpec] = {spec.kind: spec for spec in (KASA, WEMO, FLUME, GLOW, HOME)}
