"""LAN Meter as a person sees it: the demo's Home Assistant in Debian's Chromium (Playwright).

Starts the demo (Home Assistant 2026.11 with every simulator, in its own config folder and port),
logs in, adds one more Kasa strip through the UI (the integration's menu -> Kasa -> address form
-> finish), opens an automation made of the Hall light's and Home's device triggers in the editor,
then the strip's device page, the LAN Meter dashboard and the Energy dashboard
and checks what is on screen. Screenshots go to LANMETER_SCREENSHOTS (default .cache/screenshots);
README's pictures are copies of them.

Run by `./scripts/test` (its browser leg); needs `chromium` (scripts/setup installs Debian's) and
the demo environment (`./scripts/current --demo`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import os
from pathlib import Path
import re
import shutil
import signal
import socket

import aiohttp
import pytest

from devkit.demo_devices import PASSWORD, USERNAME
from devkit.demo_household import appliance_watts
from devkit.ha_client import DASHBOARD_URL_PATH, HomeAssistantClient
from devkit.simulators.kasa_device import SimulatedKasaDevice

playwright = pytest.importorskip("playwright.async_api", reason="playwright is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.timeout(1500),
]

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Home Assistant 2026.11 takes its port from its own settings, no longer from YAML (an `http:`
# block opens a "confirm the imported configuration" dialog): the demo's 8123.
HA_PORT = 8123
DEMO_PORTS = (19991, 19992, 19994, 18443, 18883, 49153)  # the demo's simulators (fixed)
GARAGE = ["Freezer", "Aquarium", "Dehumidifier", "Pressure washer", "Charger", "Radio"]
SHOTS = Path(os.environ.get("LANMETER_SCREENSHOTS", REPO / ".cache" / "screenshots"))


def garage_strip() -> SimulatedKasaDevice:
    sim = SimulatedKasaDevice.hs300(mac="50:C7:BF:6A:12:01")
    sim.sysinfo["alias"] = "Garage strip"
    for slot, name in enumerate(GARAGE):
        sim.sysinfo["children"][slot]["alias"] = name
        sim.outlets[slot].on = True
    sim.set_load(0, 92.0)  # the freezer
    sim.set_load(1, 38.0)
    return sim.with_history(days=35)


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextlib.asynccontextmanager
async def demo_home_assistant(config_dir: Path) -> AsyncIterator[str]:
    """`./scripts/demo`'s runner in a config folder of its own; yields the URL once it is ready."""
    busy = [port for port in (HA_PORT, *DEMO_PORTS) if port_in_use(port)]
    if busy:
        pytest.fail(f"ports {busy} are taken: stop ./scripts/demo (or whatever holds them) first")
    log = (config_dir.parent / "demo.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        str(REPO / "scripts" / "current"), "--demo", "python", "-m", "scripts.demo_runner",
        "--port", str(HA_PORT), "--config", str(config_dir),
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=log, start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(900):  # a first start builds the demo environment
            while b"Home Assistant is ready" not in (line := await process.stdout.readline()):
                if not line:
                    pytest.fail("the demo stopped before it was ready:\n" + "".join(lines))
                lines.append(line.decode(errors="replace"))
        asyncio.get_running_loop().create_task(_drain(process.stdout))
        yield f"http://127.0.0.1:{HA_PORT}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 90)
        except TimeoutError:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        log.close()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def open_page(page: playwright.Page, url: str) -> None:
    """Go to a URL as a person would type it. The frontend is a single-page app: a navigation
    of its own still under way (after a dialog closes) can abort ours; then go again."""
    for attempt in range(3):
        try:
            await page.goto(url)
            return
        except playwright.Error as err:
            if "ERR_ABORTED" not in str(err) or attempt == 2:
                raise
            await page.wait_for_timeout(1000)


async def device_id_of(base_url: str, name: str) -> str:
    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, base_url)
        await client.onboard_or_login(USERNAME, PASSWORD)
        (devices,) = await client._ws({"type": "config/device_registry/list"})
    return next(d["id"] for d in devices if d["name"] == name)


async def log_in(page: playwright.Page, base_url: str) -> None:
    await open_page(page, base_url)
    await page.get_by_label("Username").fill(USERNAME)
    await page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(lambda url: "/auth/" not in url and "auth_callback" not in url)


async def open_add_dialog(page: playwright.Page, new_entry: bool = True) -> None:
    """On LAN Meter's integration page: the button that starts a new entry. With discovered
    items (the demo's learned appliances) it lists those first; `new_entry` goes past them."""
    await page.get_by_role(
        "button", name=re.compile(r"^Add (entry|device|hub|service)", re.I)
    ).first.click()
    another = page.get_by_text("Set up another instance of LAN Meter")
    kinds = page.get_by_text("TP-Link Kasa or Tapo strip or plug")
    await another.or_(kinds).first.wait_for()
    if new_entry and await another.count():
        await another.first.click()


async def glow_mqtt_help_reads_as_written(page: playwright.Page, shots: Path) -> None:
    """The Glow MQTT form's topic help shows PREFIX/MAC as written (angle brackets in a
    translation are eaten as markup: issue 24); the form is then left, nothing added."""
    await open_add_dialog(page)
    await page.get_by_text("Hildebrand Glow CAD smart meter display").click()
    await page.get_by_text("Read its local MQTT messages from my broker").click()
    await page.get_by_text("The CAD publishes under PREFIX/MAC/...").first.wait_for()
    await page.screenshot(path=shots / "glow-mqtt-form.png")
    await page.keyboard.press("Escape")
    await page.get_by_text("Read its local MQTT messages").first.wait_for(state="hidden")


async def device_triggers_read_as_words(page: playwright.Page, base_url: str, shots: Path) -> None:
    """The automation editor with the triggers it lists for the Hall light (core WeMo's long
    press), for Home (an appliance turning on or off) and for the dishwasher's outlet (its cycle
    finished), as a person picks them."""
    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, base_url)
        await client.onboard_or_login(USERNAME, PASSWORD)
        automation_id = await client.automation_from_device_triggers(
            "Hall light long press and appliances",
            {
                "Hall light": ["LongPress"],
                "Home": ["appliance_on", "appliance_off"],
                "Dishwasher": ["cycle_finished"],
            },
        )
    await open_page(page, f"{base_url}/config/automation/edit/{automation_id}")
    for words in (
        "WeMo button was pressed for 2 seconds",
        "An appliance turned on",
        "An appliance turned off",
        # named after its event entity: several appliances can share a device (Home)
        re.compile("Dishwasher cycle finished", re.I),
    ):
        await page.get_by_text(words).first.wait_for()
    await page.screenshot(path=shots / "automation-triggers.png")


OVEN_IN_ENERGY = {"stat_consumption": "sensor.oven_energy_total", "stat_rate": "sensor.oven_power"}


async def a_learned_appliance_is_named_and_shows_now(
    page: playwright.Page, base_url: str, shots: Path
) -> None:
    """The demo's home offers what it learned (devkit/demo_household.py) as discovered items;
    the person names the oven (the demo's kettle, toaster and microwave have outlets of those
    names already), it gets its device, the demo's Energy dashboard lists it (as it does every
    device added while it runs), and the dashboard's *Now* view shows it while it bakes."""
    oven_kw = f"{appliance_watts('oven') / 1000:.1f}"
    await open_page(page, f"{base_url}/config/integrations/integration/lanmeter")
    for appliance in ("kettle", "oven", "toaster"):
        kw = f"{appliance_watts(appliance) / 1000:.1f}"
        await page.get_by_text(f"Appliance of about {kw} kW").first.wait_for()
    await page.screenshot(path=shots / "discovered-appliances.png")
    await open_add_dialog(page, new_entry=False)
    await page.get_by_text("Want to add these discovered devices?").wait_for()
    await page.get_by_text(f"Appliance of about {oven_kw} kW").last.click()  # the dialog's
    await page.get_by_text("Name this appliance?").first.wait_for()
    await page.locator("ha-form input").first.fill("Oven")
    await page.screenshot(path=shots / "name-appliance.png")
    await page.get_by_role("button", name=re.compile(r"^(Submit|Next)$")).click()
    await page.get_by_text("The appliance is named").first.wait_for()
    await page.get_by_role("button", name=re.compile("^(Close|Finish|OK)$")).first.click()

    async with aiohttp.ClientSession() as session:
        client = HomeAssistantClient(session, base_url)
        await client.onboard_or_login(USERNAME, PASSWORD)
        for _ in range(60):  # the home entry reloads with the oven's entities
            if "sensor.oven_power" in await client.entity_ids():
                break
            await asyncio.sleep(1)
        else:
            pytest.fail("the named oven got no Power sensor within a minute")
        for _ in range(30):  # the demo lists it in the Energy dashboard (demo_runner.py)
            (prefs,) = await client._ws({"type": "energy/get_prefs"})
            if OVEN_IN_ENERGY in [
                {k: v for k, v in d.items() if k in OVEN_IN_ENERGY}
                for d in prefs["device_consumption"]
            ]:
                break
            await asyncio.sleep(1)
        else:
            pytest.fail(f"the demo's Energy dashboard never listed the oven: {prefs}")
        for _ in range(80):  # the demo's oven bakes 4 minutes in every 10
            if float((await client.state("sensor.oven_power"))["state"]) > 0:
                break
            await asyncio.sleep(5)
        else:
            pytest.fail("the named oven never turned on in 400 s")
    device_id = await device_id_of(base_url, "Oven")
    await open_page(page, f"{base_url}/config/devices/device/{device_id}")
    for entity in ("Running", "Power", "Energy total"):
        await page.get_by_text(entity).first.wait_for()
    await page.get_by_text(re.compile(r"\b2,?\d{3}(\.\d+)?\s*W\b")).first.wait_for()  # 2.3 kW
    await page.screenshot(path=shots / "named-appliance.png")

    await open_page(page, f"{base_url}/energy")
    await page.get_by_text("Now", exact=True).first.click()
    await page.get_by_text("Current power flow").first.wait_for()
    await page.wait_for_timeout(3000)  # charts draw after their data arrives
    # The flow is drawn on a canvas (no text to find); the oven is in what it draws (the
    # configuration checked above) and in the screenshot.
    await page.screenshot(path=shots / "energy-now.png")


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


async def test_a_person_adds_a_strip_and_sees_it_on_the_dashboards(
    tmp_path: Path, shots: Path
) -> None:
    async with (
        garage_strip() as strip,
        demo_home_assistant(tmp_path / "config") as base_url,
        playwright.async_playwright() as driver,
    ):
        browser = await driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(20_000)
        try:
            await log_in(page, base_url)

            # Add the garage strip: LAN Meter's page -> add -> Kasa -> its address -> finish.
            await open_page(page, f"{base_url}/config/integrations/integration/lanmeter")
            await open_add_dialog(page)
            await page.get_by_text("TP-Link Kasa or Tapo strip or plug").click()
            await page.get_by_text("Enter its IP address").click()
            # The form's fields in order (their labels are not tied to the inputs).
            fields = page.locator("ha-form input")
            await fields.nth(0).fill("127.0.0.1")
            await fields.nth(1).fill(str(strip.port))
            await page.screenshot(path=shots / "config-flow.png")
            await page.get_by_role("button", name=re.compile(r"^(Submit|Next)$")).click()
            # Home Assistant 2026.11 ends a flow with "Name and assign" (older: "Success"), its
            # outlets listed by name.
            finish = page.get_by_role("button", name=re.compile("^(Skip and finish|Finish)$"))
            await finish.wait_for()
            await page.get_by_text("Name and assign").first.wait_for()
            await page.screenshot(path=shots / "config-flow-done.png")
            await finish.click()
            await finish.wait_for(state="hidden")  # the dialog closes (and the page may move on)

            await glow_mqtt_help_reads_as_written(page, shots)
            await device_triggers_read_as_words(page, base_url, shots)
            await a_learned_appliance_is_named_and_shows_now(page, base_url, shots)

            # Its device page: the outlets by name and the strip's power (92 W + 38 W), then
            # one outlet's own page with its power.
            device_id = await device_id_of(base_url, "Garage strip")
            await open_page(page, f"{base_url}/config/devices/device/{device_id}")
            for outlet in GARAGE:
                await page.get_by_text(outlet).first.wait_for()
            await page.get_by_text("Total power").first.wait_for()
            await page.get_by_text(re.compile(r"\b130(\.0)?\s*W\b")).first.wait_for()
            # Its clock, as a diagnostic (devices without internet often have a wrong one).
            await page.get_by_text("Clock offset").first.wait_for()
            await page.screenshot(path=shots / "device.png")
            await page.get_by_text("Freezer").first.click()
            await page.get_by_text(re.compile(r"\b92(\.0)?\s*W\b")).first.wait_for()

            # The LAN Meter dashboard: every kind on one screen.
            await open_page(page, f"{base_url}/{DASHBOARD_URL_PATH}/home")
            for title in (
                "Power now",
                "Energy per day by device",
                "Smart meter today",
                "Water",
                "WeMo",
            ):
                await page.get_by_text(title).first.wait_for()
            await page.get_by_text("Always On").first.wait_for()
            await page.get_by_text(re.compile(r"\b[1-9][\d,]*(\.\d+)?\s*W\b")).first.wait_for()
            await page.wait_for_timeout(3000)  # charts draw after their data arrives
            await page.screenshot(path=shots / "dashboard.png")

            # The Energy dashboard: history from the first day (the strips' own, the demo's meter).
            await open_page(page, f"{base_url}/energy")
            await page.get_by_text("Grid total").first.wait_for()
            await page.get_by_text(re.compile(r"\b[1-9][\d,]*(\.\d+)?\s*kWh\b")).first.wait_for()
            assert await page.get_by_text("There is no data to show").count() == 0
            await page.wait_for_timeout(3000)
            await page.screenshot(path=shots / "energy.png")
        except Exception:
            await page.screenshot(path=shots / "failure.png")  # what was on screen
            raise
        await browser.close()
