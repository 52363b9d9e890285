"""The demo: simulators + a real Home Assistant, onboarded and configured through its own API.

Everything a user would click is done over Home Assistant's REST and websocket APIs (onboarding,
config flows, a dashboard), so the demo also proves those paths work end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from pathlib import Path
import signal
import sys

import aiohttp

from scripts.demo_devices import DEMO_DEVICES, DemoDevice
from scripts.demo_ha import HomeAssistantClient

REPO = Path(__file__).resolve().parent.parent
USERNAME = "demo"
PASSWORD = "demo-lanmeter"

CONFIGURATION_YAML = """\
# Written by scripts/demo. Delete .demo/ to start the demo from scratch.
homeassistant:
  name: LAN Meter demo
  unit_system: metric
  currency: GBP
  country: GB
  time_zone: Europe/London
  latitude: 51.5
  longitude: -0.12
  elevation: 10
frontend:
config:
history:
logbook:
energy:
recorder:
  purge_keep_days: 2
logger:
  default: warning
  logs:
    custom_components.lanmeter: info
    homeassistant.setup: info
"""


def prepare_config(config_dir: Path) -> None:
    """A config directory whose custom_components/lanmeter is this checkout's integration."""
    config_dir.mkdir(parents=True, exist_ok=True)
    yaml_path = config_dir / "configuration.yaml"
    if not yaml_path.exists():
        yaml_path.write_text(CONFIGURATION_YAML)
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "lanmeter"
    if not link.is_symlink():
        link.symlink_to(REPO / "custom_components" / "lanmeter")


async def run(port: int, config_dir: Path) -> int:
    prepare_config(config_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async with contextlib.AsyncExitStack() as stack:
        for device in DEMO_DEVICES:
            await stack.enter_async_context(device.running())
            print(f"demo: simulator {device.title} listening ({device.where})", flush=True)

        hass = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "homeassistant",
            "--config",
            str(config_dir),
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            async with aiohttp.ClientSession() as session:
                client = HomeAssistantClient(session, f"http://127.0.0.1:{port}")
                started = asyncio.ensure_future(configure(client, DEMO_DEVICES))
                waiter = asyncio.ensure_future(stop.wait())
                exited = asyncio.ensure_future(hass.wait())
                await asyncio.wait({started, waiter, exited}, return_when=asyncio.FIRST_COMPLETED)
                if started.done() and not started.exception():
                    print(
                        f"\ndemo: Home Assistant is ready at http://localhost:{port}"
                        f"  (login {USERNAME} / {PASSWORD}; dashboard: LAN Meter)\n"
                        "demo: press Ctrl-C to stop everything\n",
                        flush=True,
                    )
                    await asyncio.wait({waiter, exited}, return_when=asyncio.FIRST_COMPLETED)
                elif started.done():
                    print(f"demo: configuring Home Assistant failed: {started.exception()!r}")
                for task in (started, waiter):
                    task.cancel()
        finally:
            if hass.returncode is None:
                hass.terminate()
                try:
                    await asyncio.wait_for(hass.wait(), 60)
                except TimeoutError:
                    hass.kill()
                    await hass.wait()
    print("demo: stopped", flush=True)
    return 0


async def configure(client: HomeAssistantClient, devices: list[DemoDevice]) -> None:
    """Onboard or log in, add each simulator through the config flow, build the dashboard."""
    await client.wait_until_up()
    await client.onboard_or_login(USERNAME, PASSWORD)
    for device in devices:
        outcome = await client.add_lanmeter_device(device.flow_steps)
        print(f"demo: {device.title}: {outcome}", flush=True)
    await client.wait_for_lanmeter_entities(len(devices))
    await client.save_lanmeter_dashboard()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="must match Home Assistant's port")
    parser.add_argument("--config", type=Path, default=REPO / ".demo" / "config")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.port, args.config)))


if __name__ == "__main__":
    main()
