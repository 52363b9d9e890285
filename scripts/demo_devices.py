"""The simulated devices the demo runs, and the config flow answers that add each one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass
from typing import Any

from tests.simulators.glow_cad import ScriptedMeter, SimulatedCad
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


def glow_cad(port: int, device_id: str) -> DemoDevice:
    """A CAD posting to LAN Meter's receiver every 10 s, its house load wandering."""

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[SimulatedCad]:
        meter = ScriptedMeter(power_w=650.0)
        async with SimulatedCad(f"https://127.0.0.1:{port}/zb02", device_id, meter) as cad:

            async def wander() -> None:
                step = 0
                while True:
                    step += 1
                    # A base load, and a 2 kW kettle for half a minute every three minutes.
                    meter.power_w = 450.0 + (2000.0 if step % 18 < 3 else 0.0)
                    await asyncio.sleep(10)

            tasks = [asyncio.create_task(cad.run(10.0)), asyncio.create_task(wander())]
            try:
                yield cad
            finally:
                for task in tasks:
                    task.cancel()

    return DemoDevice(
        title=f"Glow CAD {device_id}",
        where=f"posts to https://127.0.0.1:{port}/zb02",
        running=running,
        flow_steps=[
            {"next_step_id": "glow"},
            {"next_step_id": "glow_zb02"},
            {"port": port, "listen_address": "127.0.0.1", "accept_any": True},
        ],
    )


# Each kind's simulator joins this list when the kind lands.
DEMO_DEVICES: list[DemoDevice] = [
    kasa_strip("Kitchen strip", 19991, "50:C7:BF:DE:00:01", KITCHEN),
    kasa_strip("Living room strip", 19992, "50:C7:BF:DE:00:02", LIVING_ROOM),
    glow_cad(18443, "70B3D521E0DE0001"),
]
