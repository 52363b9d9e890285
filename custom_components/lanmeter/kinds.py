"""Which kinds this version runs: one spec per kind (its spec.py), in the order of the config
flow's menu. config_flow.py builds LanMeterConfigFlow from these specs' flow mixins, so adding
a kind is its package, its spec and one entry here."""

from __future__ import annotations

from .flume.spec import FLUME
from .glow.spec import GLOW
from .home.spec import HOME
from .kasa.spec import KASA
from .runtime import KindSpec
from .wemo.spec import WEMO

KINDS: dict[str, KindSpec] = {spec.kind: spec for spec in (KASA, WEMO, FLUME, GLOW, HOME)}
