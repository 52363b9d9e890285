"""The blueprints in blueprints/automation/lanmeter/, as a user imports them: Home Assistant's
blueprint integration loads each file, an automation is made from it with the user's inputs, and
its actions run when a simulator makes the event happen (a leak, a finished washer, an iron left
on, water running for hours, a base load higher than usual)."""

from __future__ import annotations

from pathlib import Path
import re
import shutil
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
import yaml

from devkit.simulators.flume_bridge import RUNNING_TOILET, SimulatedFlumeBridge
from devkit.simulators.kasa_device import SimulatedKasaDevice
from tests.conftest import REPO_ROOT
from tests.kinds.cycles import WASHER, run_for
from tests.kinds.flume import NAME, add_calibrated, publish
from tests.kinds.home import Trace, add_home
from tests.kinds.kasa import add_strip

pytestmark = pytest.mark.usefixtures("short_listen")

FLUME = NAME
BLUEPRINTS = REPO_ROOT / "blueprints" / "automation" / "lanmeter"


class Blueprints:
    """Imports the repository's blueprints into a config folder of the test's own."""

    def __init__(self, hass: HomeAssistant, config_dir: Path) -> None:
        self.hass = hass
        hass.config.config_dir = str(config_dir)
        shutil.copytree(BLUEPRINTS, config_dir / "blueprints" / "automation" / "lanmeter")
        self.messages: list[str] = []

        @callback
        def record(call: ServiceCall) -> None:
            self.messages.append(call.data["message"])

        hass.services.async_register("test", "notify", record)

    async def automate(self, name: str, inputs: dict[str, Any], *, notify: bool = True) -> None:
        """An automation from the blueprint; with `notify`, its notification is recorded."""
        if notify:
            inputs = inputs | {
                "notify": [{"action": "test.notify", "data": {"message": "{{ message }}"}}]
            }
        config = {"use_blueprint": {"path": f"lanmeter/{name}", "input": inputs}}
        alias = name.removesuffix(".yaml")
        assert await async_setup_component(
            self.hass, "automation", {"automation": [config | {"alias": alias}]}
        )
        await self.hass.async_block_till_done()
        state = self.hass.states.get(f"automation.{alias}")
        assert state is not None and state.state == "on", f"{name} did not load"


@pytest.fixture
def blueprints(hass: HomeAssistant, tmp_path: Path) -> Blueprints:
    return Blueprints(hass, tmp_path)


def test_every_blueprint_is_valid_yaml_for_home_assistant() -> None:
    """Each file names its source (the import button needs it) and a minimum version."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!input", lambda loader, node: loader.construct_scalar(node))
    files = sorted(BLUEPRINTS.glob("*.yaml"))
    assert len(files) == 5
    for path in files:
        blueprint = yaml.load(path.read_text(), Loader)["blueprint"]
        assert blueprint["domain"] == "automation"
        assert blueprint["source_url"].endswith(f"blueprints/automation/lanmeter/{path.name}")
        assert blueprint["homeassistant"]["min_version"] == "2025.4.0"
        readme = (REPO_ROOT / "README.md").read_text()
        assert f"blueprints%2Fautomation%2Flanmeter%2F{path.name}" in readme, path.name


async def add_valve_switch(hass: HomeAssistant) -> None:
    """A shut-off valve's switch as a user may have it: a template switch over a helper (the
    Flume test moves the clock by hours in 5 s steps, which a networked plug's request in
    flight would take as a timeout)."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"main_valve_open": {"initial": True}}}
    )
    # The `template:` form (Home Assistant 2025.2+): the legacy `switch: platform: template`
    # sets up no entity on 2026.10 (seen in the current leg).
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "switch": [
                        {
                            "name": "Main valve",
                            "state": "{{ is_state('input_boolean.main_valve_open', 'on') }}",
                            "turn_on": {
                                "action": "input_boolean.turn_on",
                                "target": {"entity_id": "input_boolean.main_valve_open"},
                            },
                            "turn_off": {
                                "action": "input_boolean.turn_off",
                                "target": {"entity_id": "input_boolean.main_valve_open"},
                            },
                        }
                    ]
                }
            ]
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get("switch.main_valve").state == "on"


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.freeze_time(tick=True)
class TestOnTheFlumeBridge:
    """The Flume bridge over Mosquitto; its batches move Home Assistant's clock 5 s a sample."""

    async def test_water_leak_notifies_and_closes_the_valve(
        self,
        hass: HomeAssistant,
        blueprints: Blueprints,
        bridge: SimulatedFlumeBridge,
    ) -> None:
        await add_calibrated(hass, bridge)
        await add_valve_switch(hass)
        await blueprints.automate(
            "water_leak.yaml",
            {"water_event": f"event.{FLUME}_water", "valves": ["switch.main_valve"]},
        )
        await publish(hass, bridge.water, [(600, 3.0)])  # a shower: no leak, valve stays open
        assert blueprints.messages == []
        assert hass.states.get("switch.main_valve").state == "on"
        await publish(hass, bridge.water, RUNNING_TOILET)  # 0.4 L/min for three hours
        assert len(blueprints.messages) == 1
        assert re.fullmatch(r"Water leak: 0\.\d L/min at \d\d:\d\d\.", blueprints.messages[0])
        await hass.async_block_till_done()
        assert hass.states.get("switch.main_valve").state == "off"

    async def test_water_running_for_hours_shows_a_notification(
        self,
        hass: HomeAssistant,
        blueprints: Blueprints,
        bridge: SimulatedFlumeBridge,
    ) -> None:
        """With the default notification: Home Assistant's own notifications list."""
        assert await async_setup_component(hass, "persistent_notification", {})  # always there
        await add_calibrated(hass, bridge)
        await blueprints.automate(
            "water_running.yaml", {"flow": f"sensor.{FLUME}_flow_rate", "hours": 2}, notify=False
        )
        notifications = persistent_notification._async_get_or_create_notifications(hass)
        await publish(hass, bridge.water, [(3600, 0.4), (600, 0.0), (6000, 0.4)])  # a break at 1 h
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert not notifications  # 1 h 40 min since the break
        await publish(hass, bridge.water, [(1800, 0.4)])  # 2 h 10 min
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        (notification,) = notifications.values()
        assert notification["title"] == "Water running"
        assert notification["message"].startswith("Water has been running for 2 h without a break")


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.time_sensitive
@pytest.mark.freeze_time("2026-11-18 11:00:00+00:00", tick=True)
class TestOnTheWashersOutlet:
    """The Kasa strip's washer outlet (tests/test_cycles.py), read every minute."""

    async def test_appliance_finished_says_how_long_and_how_much(
        self,
        hass: HomeAssistant,
        freezer,
        blueprints: Blueprints,
        washer_strip: SimulatedKasaDevice,
    ) -> None:
        await add_strip(hass, washer_strip)
        await blueprints.automate("appliance_finished.yaml", {"cycle_event": "event.washer_cycle"})
        await run_for(hass, freezer, 5)
        for minutes, watts in WASHER:
            washer_strip.set_load(4, watts)
            await run_for(hass, freezer, minutes)
        washer_strip.set_load(4, 0.5)
        await run_for(hass, freezer, 4)
        assert blueprints.messages == []  # the soaks were no "finished"
        await run_for(hass, freezer, 2)
        kwh = sum(minutes / 60 * watts for minutes, watts in WASHER) / 1000
        assert blueprints.messages == [f"Washer finished after 28 min, {kwh:.2f} kWh."]

    async def test_an_appliance_left_on_is_switched_off(
        self,
        hass: HomeAssistant,
        freezer,
        blueprints: Blueprints,
        washer_strip: SimulatedKasaDevice,
    ) -> None:
        """An iron on the washer's outlet, allowed 10 minutes."""
        await add_strip(hass, washer_strip)
        await blueprints.automate(
            "left_on.yaml",
            {
                "running": "binary_sensor.washer_running",
                "minutes": 10,
                "switch_off": ["switch.washer"],
            },
        )
        await run_for(hass, freezer, 5)
        washer_strip.set_load(4, 1200.0)
        await run_for(hass, freezer, 9)
        assert blueprints.messages == []
        await run_for(hass, freezer, 2)
        assert blueprints.messages == ["Washer has been on for 10 min; switched off."]
        assert not washer_strip.outlets[4].on


@pytest.mark.time_sensitive
async def test_always_on_higher_than_usual_for_an_hour(
    hass: HomeAssistant, freezer, blueprints: Blueprints
) -> None:
    trace = Trace(hass, freezer)
    await trace.at(0, mains=150, kettle_power=0, fridge_power=0)
    await add_home(hass)
    await blueprints.automate(
        "always_on_high.yaml", {"always_on": "sensor.home_always_on", "margin_w": 100}
    )

    async def hours(count: float, watts: float) -> None:
        for _ in range(round(count * 6)):  # a reading every 10 minutes
            await trace.at(600, mains=watts)
            async_fire_time_changed(hass)
            await hass.async_block_till_done()

    await hours(4 * 24, 150)  # four ordinary days
    typical = hass.states.get("sensor.home_always_on").attributes["typical_w"]
    assert typical == pytest.approx(150, abs=5)
    await hours(12, 400)  # something new that never sleeps: Always On rises a day later
    assert blueprints.messages == []
    await hours(24, 400)
    assert len(blueprints.messages) == 1
    assert blueprints.messages[0].startswith("Always On is 400 W, usually 150 W")


def test_readme_has_an_import_button_per_blueprint() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    for path in BLUEPRINTS.glob("*.yaml"):
        url = (
            "https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url="
            "https%3A%2F%2Fgithub.com%2Flanmeter%2Flanmeter%2Fblob%2Fmain%2F"
            f"blueprints%2Fautomation%2Flanmeter%2F{path.name}"
        )
        assert url in readme, path.name
