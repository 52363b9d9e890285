"""The simulated devices the demo runs, and the config flow answers that add each one."""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from dataclasses import dataclass
from typing import Any


@dataclass
class DemoDevice:
    """One simulator: how to run it and what to answer in LAN Meter's config flow to add it."""

    title: str
    where: str
    running: Callable[[], contextlib.AbstractAsyncContextManager[Any]]
    flow_steps: list[dict[str, Any]]


# Each kind's simulator joins this list when the kind lands.
DEMO_DEVICES: list[DemoDevice] = []
