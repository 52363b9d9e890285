"""The demo: simulators + a real Home Assistant, onboarded and configured through its own API.

Everything a user would click is done over Home Assistant's REST and websocket APIs (onboarding,
config flows, a dashboard), so the demo also proves those paths work end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
import signal
import sys
import time

import aiohttp

from custom_components.lanmeter.coordinator_base import STORAGE_VERSION
from devkit.demo_devices import (
    DEMO_DEVICES,
    DEMO_TIME_ZONE,
    HOME_VIEW,
    PASSWORD,
    USERNAME,
    DemoDevice,
)
from devkit.demo_history import DAYS as DEMO_HISTORY_DAYS
from devkit.demo_household import learned_week
from devkit.ha_client import HomeAssistantClient
from devkit.ha_process import REPO, home_assistant, link_integration

DEMO_NOTE = (
    "*Demo:* every device here is a simulator. The Kasa strips' history comes from their own "
    f"meters (imported as for a real strip); the smart meter's and water's first "
    f"{DEMO_HISTORY_DAYS} days are generated demo data."
)

CONFIGURATION_YAML = f"""\
# Written by scripts/demo. Delete .demo/ to start the demo from scratch.
homeassistant:
  name: LAN Meter demo
  unit_system: metric
  currency: GBP
  country: GB
  time_zone: {DEMO_TIME_ZONE}
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


async def run(port: int, config_dir: Path) -> int:
    link_integration(config_dir, CONFIGURATION_YAML)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async with contextlib.AsyncExitStack() as stack:
        for device in DEMO_DEVICES:
            await stack.enter_async_context(device.running())
            print(f"demo: simulator {device.title} listening ({device.where})", flush=True)

        hass = await stack.enter_async_context(home_assistant(config_dir))
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(session, f"http://127.0.0.1:{port}")
            started = asyncio.ensure_future(configure(client, DEMO_DEVICES, config_dir))
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
                following = asyncio.ensure_future(energy_dashboard_follows(client))
                await asyncio.wait({waiter, exited}, return_when=asyncio.FIRST_COMPLETED)
                following.cancel()
            elif started.done():
                print(f"demo: configuring Home Assistant failed: {started.exception()!r}")
            for task in (started, waiter, exited):
                task.cancel()
    print("demo: stopped", flush=True)
    return 0


async def configure(
    client: HomeAssistantClient, devices: list[DemoDevice], config_dir: Path
) -> None:
    """Onboard or log in, add each simulator through the config flow, build the dashboard."""
    await client.wait_until_up()
    await client.onboard_or_login(USERNAME, PASSWORD)
    home_entry = None
    for device in devices:
        outcome = await client.add_device("lanmeter", device.flow_steps)
        print(f"demo: {device.title}: {outcome}", flush=True)
        if device.title == HOME_VIEW and outcome.startswith("added"):
            home_entry = client.last_entry_id
    await client.wait_for_lanmeter_entities(len(devices))
    if home_entry is not None:
        await give_home_a_learned_week(client, home_entry, config_dir)
    for entity_id in await client.import_demo_history():
        print(f"demo: {entity_id}: imported {DEMO_HISTORY_DAYS} days of GENERATED demo history "
              "(not a real meter's)", flush=True)  # fmt: skip
    await client.save_lanmeter_dashboard(DEMO_NOTE)
    await client.fill_energy_dashboard()


async def energy_dashboard_follows(client: HomeAssistantClient) -> None:
    """A device added or an appliance named while the demo runs joins its Energy dashboard
    (with its power, for the *Now* view), as the demo's configuration did for the first ones."""
    async for entity_id in client.energy_totals_added():
        await client.onboard_or_login(USERNAME, PASSWORD)  # the first token may have expired
        await client.fill_energy_dashboard()
        print(f"demo: Energy dashboard: {entity_id} added", flush=True)


async def give_home_a_learned_week(
    client: HomeAssistantClient, entry_id: str, config_dir: Path
) -> None:
    """The new home entry gets a generated week of learning (devkit/demo_household.py), so it
    offers its appliances now, not in a week: written to its storage while it is disabled."""
    learned = learned_week(time.time(), await client.time_zone())
    storage = config_dir / ".storage" / f"lanmeter.home.{entry_id}"

    def write() -> None:
        stored = json.loads(storage.read_text()) if storage.exists() else {}
        stored.setdefault("version", STORAGE_VERSION)
        stored.setdefault("minor_version", 1)
        stored.setdefault("key", storage.name)
        stored.setdefault("data", {})["appliances"] = learned
        storage.write_text(json.dumps(stored))

    await client.restore_while_disabled(entry_id, write)
    print(
        f"demo: {HOME_VIEW}: learned a GENERATED week of a household's mains (not a real "
        f"meter's): {len(learned['signatures'])} appliances to name under Settings -> Devices "
        "& services -> Discovered",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="must match Home Assistant's port")
    parser.add_argument("--config", type=Path, default=REPO / ".demo" / "config")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.port, args.config)))


if __name__ == "__main__":
    main()
