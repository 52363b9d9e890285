"""The simulated devices the demo runs, and the config flow answers that add each one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass
from typing import Any

from tests.simulators.kasa_device import SimulatedKasaDevice
from tests.simulators.kasa_loads import KITCHEN, LIVING_ROOM, drive, name_outlets


@dataclass
class DemoDevice:
    """One simulator: how to run it and what to answer in LAN Meter's config flow to add it."""

    title: str
    where: str
    running: Callable[[], contextlib.AbstractAsyncContextManager[Any]]
    flow_steps: list[dict[str, Any]]


def kasa_strip(title: str, port: int, mac: str, appliances: list) -> DemoDevice:
    """An HS300 on a fixed port (so the demo's saved entry finds it again) with cycling loads."""

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[SimulatedKasaDevice]:
        sim = SimulatedKasaDevice.hs300(mac=mac, port=port)
        name_outlets(sim, title, appliances)
        async with sim:
            task = asyncio.create_task(drive(sim, appliances))
            try:
                yield sim
            finally:
                task.cancel()

    return DemoDevice(
        title=f"Kasa HS300 '{title}'",
        where=f"127.0.0.1:{port} TCP+UDP",
        running=running,
        flow_steps=[
            {"next_step_id": "kasa"},
            {"next_step_id": "kasa_manual"},
            {"host": "127.0.0.1", "port": port},
        ],
    )


# Each kind's simulator joins this list when the kind lands.
DEMO_DEVICES: list[DemoDevice] = [
    kasa_strip("Kitchen strip", 19991, "50:C7:BF:DE:00:01", KITCHEN),
    kasa_strip("Living room strip", 19992, "50:C7:BF:DE:00:02", LIVING_ROOM),
]
