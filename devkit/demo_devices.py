"""The simulated devices the demo runs, and the config flow answers that add each one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
from dataclasses import dataclass
import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from devkit.demo_household import appliance_watts
from devkit.ha_process import REPO
from devkit.simulators.clock import DeviceClock
from devkit.simulators.flume_bridge import SimulatedFlumeBridge
from devkit.simulators.glow_cad import ScriptedMeter, SimulatedCad
from devkit.simulators.kasa_device import SimulatedKasaDevice
from devkit.simulators.kasa_klap import SimulatedKlapDevice
from devkit.simulators.kasa_loads import KITCHEN, LIVING_ROOM, OFFICE, drive, name_outlets
from devkit.simulators.kasa_smart import CAPTURES as SMART_CAPTURES
from devkit.simulators.kasa_smart import SimulatedSmartDevice
from devkit.simulators.mosquitto_broker import running_broker
from devkit.simulators.wemo_device import SimulatedWemo

# The demo's Home Assistant runs in this zone (demo_runner's configuration.yaml); its devices
# keep the wall clock there, in real time.
DEMO_TIME_ZONE = "Europe/London"
# The demo's Home Assistant login (README, the runner's banner and the browser test).
USERNAME = "demo"
PASSWORD = "demo-lanmeter"


def demo_clock() -> DeviceClock:
    zone = ZoneInfo(DEMO_TIME_ZONE)
    return DeviceClock(true_now=lambda: dt.datetime.now(zone))


# The strips the demo runs, so the simulated mains meter can include their loads.
RUNNING_STRIPS: list[SimulatedKasaDevice] = []


@dataclass
class DemoDevice:
    """One simulator: how to run it and what to answer in LAN Meter's config flow to add it."""

    title: str
    where: str
    running: Callable[[], contextlib.AbstractAsyncContextManager[Any]]
    flow_steps: list[dict[str, Any]]


DEMO_KASA_ACCOUNT = {"username": "demo@example.com", "password": "demo-kasa"}


def kasa_strip(title: str, port: int, mac: str, appliances: list, klap: bool = False) -> DemoDevice:
    """An HS300 on a fixed port (so the demo's saved entry finds it again) with cycling loads.

    klap: newer firmware instead: port 9999 closed, KLAP over HTTP on `port`, discovery answers
    on UDP 20002 (the port python-kasa asks; it must be free on this machine). Adding it shows
    the Kasa account step."""

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[Any]:
        sim = SimulatedKasaDevice.hs300(mac=mac, port=0 if klap else port, clock=demo_clock())
        name_outlets(sim, title, appliances)
        # Weeks of daily history in each outlet's meter: LAN Meter imports it, so the Energy
        # dashboard has something to show at first open.
        sim.with_history(days=35)
        served: Any = sim
        if klap:
            served = SimulatedKlapDevice(sim, **DEMO_KASA_ACCOUNT, discovery_port=20002)
            served.http_port = port
        async with served:
            RUNNING_STRIPS.append(sim)
            task = asyncio.create_task(drive(sim, appliances))
            try:
                yield served
            finally:
                task.cancel()

    steps: list[dict[str, Any]] = [{"next_step_id": "kasa"}, {"next_step_id": "kasa_manual"}]
    if klap:
        # Nothing listens on this port 9999 stand-in: the flow finds KLAP by discovery.
        steps += [{"host": "127.0.0.1", "port": port - 1}, DEMO_KASA_ACCOUNT]
    else:
        steps += [{"host": "127.0.0.1", "port": port}]
    return DemoDevice(
        title=f"Kasa HS300{' on KLAP firmware' if klap else ''} '{title}'",
        where=f"http://127.0.0.1:{port}/app, UDP 20002; account {DEMO_KASA_ACCOUNT}"
        if klap
        else f"127.0.0.1:{port} TCP+UDP",
        running=running,
        flow_steps=steps,
    )


def smart_plug(
    model: str, title: str, host: str, port: int, mac: str, appliances: list
) -> list[DemoDevice]:
    """A SMART plug or strip (Tapo P110, P304M) from its capture in ../shared, on its own
    loopback address (each answers discovery on UDP 20002, python-kasa's port), with its
    account, a season of history and cycling loads. None without ../shared (a user's clone)."""
    if not SMART_CAPTURES.is_dir():
        return []

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[Any]:
        sim = SimulatedSmartDevice(
            model, **DEMO_KASA_ACCOUNT, host=host, clock=demo_clock(), mac=mac,
            discovery_port=20002,
        )  # fmt: skip
        sim.name(title, [name for name, *_ in appliances])
        for outlet in sim.outlets:
            outlet.on = True
        sim.model.with_history(days=120)
        sim.http_port = port
        async with sim:
            task = asyncio.create_task(drive(sim.model, appliances[: len(sim.outlets)]))  # type: ignore[arg-type]
            try:
                yield sim
            finally:
                task.cancel()

    return [
        DemoDevice(
            title=f"{model} '{title}' (SMART)",
            where=f"http://{host}:{port}/app, UDP 20002; account {DEMO_KASA_ACCOUNT}",
            running=running,
            flow_steps=[
                {"next_step_id": "kasa"},
                {"next_step_id": "kasa_manual"},
                # Nothing listens on port 9999 there: the flow finds SMART by discovery.
                {"host": host, "port": 9999},
                DEMO_KASA_ACCOUNT,
            ],
        )
    ]


def meter_as_of_now() -> ScriptedMeter:
    """Registers that follow the wall clock (about 600 W and 2 kW of gas on average since a fixed
    date), so they keep rising across demo restarts: a meter that restarted from its initial
    values would look like a reset (or a dip) to the Energy dashboard."""
    now = time.time()
    hours_total = (now - DEMO_METER_EPOCH) / 3600
    local = time.localtime(now)
    hours_today = local.tm_hour + local.tm_min / 60 + local.tm_sec / 3600
    return ScriptedMeter(
        power_w=650.0,
        import_kwh=5072.076 + 0.6 * hours_total,
        today_kwh=0.6 * hours_today,
        gas_m3=2282.363 + 0.18 * hours_total,
        gas_today_kwh=2.0 * hours_today,
    )


DEMO_METER_EPOCH = 1_767_225_600  # 2026-01-01 00:00 UTC


def glow_cad(port: int, device_id: str) -> DemoDevice:
    """A CAD posting to LAN Meter's receiver every 5 s."""

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[SimulatedCad]:
        meter = meter_as_of_now()
        async with SimulatedCad(f"https://127.0.0.1:{port}/zb02", device_id, meter) as cad:

            async def follow_the_house() -> None:
                """The meter sees a 180 W base, every strip's outlets, and the demo household's
                oven and kettle (no plug): the oven runs 4 minutes every 10, the kettle boils
                3 minutes every 20 while the oven is off. The home view's "Other", its
                events, and (named) its appliances turning on and off."""
                oven_w, kettle_w = appliance_watts("oven"), appliance_watts("kettle")
                step = 0
                while True:
                    step += 1
                    outlets = sum(o.power_w() for sim in RUNNING_STRIPS for o in sim.outlets)
                    oven = oven_w if step % 120 < 48 else 0.0
                    kettle = kettle_w if 60 <= step % 240 < 96 else 0.0
                    meter.power_w = 180.0 + outlets + oven + kettle
                    await asyncio.sleep(5)

            tasks = [asyncio.create_task(cad.run(5.0)), asyncio.create_task(follow_the_house())]
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
            {"port": port, "listen_address": "127.0.0.1"},
        ],
    )


MOSQUITTO_DIR = REPO / ".demo" / "mosquitto"


def wemo(model: str, name: str, serial: str, port: int, host: str = "127.0.0.1") -> DemoDevice:
    """A WeMo on a fixed port; an Insight's load changes like a washing machine's, a Light
    Switch is held down every two minutes (a long press, once LAN Meter wrote its rule)."""

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[SimulatedWemo]:
        async with SimulatedWemo(model, serial=serial, port=port, host=host) as sim:
            sim.name = name

            async def cycle() -> None:
                await sim.press(True)
                while True:
                    for watts, seconds in ((2100.0, 60), (350.0, 90), (4.0, 60), (500.0, 30)):
                        await sim.set_load(watts)
                        await asyncio.sleep(seconds)

            async def hold_down() -> None:
                while True:
                    await asyncio.sleep(120)
                    await sim.long_press()

            task = asyncio.create_task(cycle() if model == "Insight" else hold_down())
            try:
                yield sim
            finally:
                task.cancel()

    return DemoDevice(
        title=f"WeMo {model} '{name}'",
        where=f"http://{host}:{port}/setup.xml",
        running=running,
        flow_steps=[{"next_step_id": "wemo"}, {"host": host, "port": port}],
    )


DEMO_FLUME_KEY = bytes.fromhex("5e" * 16 + "a7" * 16)


def flume_bridge(broker_port: int) -> DemoDevice:
    """A Mosquitto broker (the user's) and a Flume bridge publishing to it, encrypted."""

    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[SimulatedFlumeBridge]:
        await asyncio.to_thread(MOSQUITTO_DIR.mkdir, parents=True, exist_ok=True)
        with running_broker(MOSQUITTO_DIR, port=broker_port):
            bridge = SimulatedFlumeBridge(broker_port, DEMO_FLUME_KEY)
            await asyncio.to_thread(bridge.connect)
            # Quiet, a shower, quiet, a toilet that keeps running: leak events in the demo.
            script = [(300, 0.0), (240, 9.0), (600, 0.0), (3 * 3600, 0.5)]
            task = asyncio.create_task(bridge.run_realtime(script))
            try:
                yield bridge
            finally:
                task.cancel()
                await asyncio.to_thread(bridge.close)

    return DemoDevice(
        title="Flume bridge",
        where=f"publishes to Mosquitto on 127.0.0.1:{broker_port}",
        running=running,
        flow_steps=[
            {"next_step_id": "flume"},
            {
                "host": "127.0.0.1",
                "port": broker_port,
                "tls": False,
                "device_key": DEMO_FLUME_KEY.hex(),
            },
        ],
    )


HOME_VIEW = "Home view"


def home_view(mains: str) -> DemoDevice:
    """The whole-home view over the Glow CAD's power and every Kasa outlet (no simulator)."""
    return DemoDevice(
        title=HOME_VIEW,
        where="computed from the other devices; Sense bridge on UDP 19999",
        running=contextlib.nullcontext,
        flow_steps=[
            {"next_step_id": "home"},
            {
                "mains": mains,
                "devices": [],
                "step_threshold": 30,
                "emulate_sense": True,
                "sense_port": 19999,
            },
        ],
    )


DRYER = [("Tumble dryer", 2100.0, 50, 70)]
WORKSHOP = [
    ("Dust extractor", 900.0, 40, 200),
    ("Battery charger", 60.0, 120, 60),
    ("Air compressor", 1100.0, 30, 150),
    ("Shop light", 36.0, 1, 0),
]

# Each kind's simulator joins this list when the kind lands.
DEMO_DEVICES: list[DemoDevice] = [
    kasa_strip("Kitchen strip", 19991, "50:C7:BF:DE:00:01", KITCHEN),
    kasa_strip("Living room strip", 19992, "50:C7:BF:DE:00:02", LIVING_ROOM),
    kasa_strip("Office strip", 19994, "50:C7:BF:DE:00:03", OFFICE, klap=True),
    *smart_plug("P110", "Tumble dryer", "127.0.0.3", 19995, "48:22:54:DE:00:04", DRYER),
    *smart_plug("P304M", "Workshop strip", "127.0.0.4", 19996, "A8:6E:84:DE:00:05", WORKSHOP),
    glow_cad(18443, "70B3D521E0DE0001"),
    flume_bridge(18883),
    wemo("Insight", "Washing machine", "221517K0DEMO01", 49153),
    # Its own address, as on a real network: pywemo credits long presses by sender address.
    wemo("LightSwitch", "Hall light", "221617K0DEMO02", 49154, host="127.0.0.2"),
    home_view("sensor.glow_cad_de0001_power"),
]
