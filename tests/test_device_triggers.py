"""Device triggers as the automation editor makes them: listed for a device, picked, saved in an
automation, and firing when a simulator makes the event happen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_get_device_automations
import pytest_socket

from custom_components.lanmeter.const import DOMAIN
from devkit.simulators.flume_bridge import RUNNING_TOILET, SimulatedFlumeBridge
from devkit.simulators.wemo_device import SimulatedWemo
from tests.kinds.flume import NAME as FLUME
from tests.kinds.flume import add_calibrated, publish
from tests.kinds.home import Trace, add_home
from tests.kinds.wemo import add
from tests.polling import until

pytestmark = pytest.mark.usefixtures("wemo_harness", "short_listen")

TRANSLATED = json.loads(
    (
        Path(__file__).resolve().parent.parent / "custom_components/lanmeter/translations/en.json"
    ).read_text()
)["device_automation"]


def device_of(hass: HomeAssistant, entity_id: str) -> str:
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None and entry.device_id is not None
    return entry.device_id


async def triggers_of(hass: HomeAssistant, device_id: str) -> dict[str, dict[str, Any]]:
    """The device's LAN Meter triggers by type, as the editor lists them."""
    listed = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device_id)
    ours = {t["type"]: t for t in listed if t["domain"] == DOMAIN}
    for trigger_type in ours:  # every one reads as words in the editor
        assert trigger_type in TRANSLATED["trigger_type"], trigger_type
    return ours


async def automate(hass: HomeAssistant, *triggers: dict[str, Any]) -> list[ServiceCall]:
    """An automation per trigger whose action records what the trigger said."""
    calls: list[ServiceCall] = []

    @callback
    def record(call: ServiceCall) -> None:
        calls.append(call)

    hass.services.async_register("test", "record", record)
    automations = [
        {
            "alias": f"when {index}",
            "triggers": [trigger],
            "actions": [
                {
                    "action": "test.record",
                    "data": {
                        "type": "{{ trigger.get('type') }}",
                        "event_type": "{{ trigger.get('event_type') }}",
                        "step_w": "{{ trigger.get('event', {}).get('step_w') }}",
                    },
                }
            ],
        }
        for index, trigger in enumerate(triggers)
    ]
    assert await async_setup_component(hass, "automation", {"automation": automations})
    await hass.async_block_till_done()
    return calls


@pytest.mark.time_sensitive
async def test_home_appliance_steps_are_triggers_with_a_size_range(
    hass: HomeAssistant, hass_ws_client, freezer
) -> None:
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, kettle_power=0, fridge_power=0)
    await add_home(hass)
    triggers = await triggers_of(hass, device_of(hass, "event.home_appliance"))
    # and the cycles of the chosen plugs of other integrations (the kettle's, the fridge's)
    assert set(triggers) == {"appliance_on", "appliance_off", "cycle_started", "cycle_finished"}
    big_on = {**triggers["appliance_on"], "min_step_w": 1500}
    small_on = {**triggers["appliance_on"], "max_step_w": 500}
    calls = await automate(hass, big_on, small_on, triggers["appliance_off"])
    for _ in range(24):
        await trace.at(5, mains=round(300 + (_ % 3), 1))  # a steady base load
    for _ in range(6):
        await trace.at(5, mains=2300)  # a 2 kW kettle: only the big-step trigger
    for _ in range(6):
        await trace.at(5, mains=300)
    seen = [(c.data["type"], c.data["event_type"]) for c in calls]
    assert seen == [("appliance_on", "appliance_on"), ("appliance_off", "appliance_off")]
    assert float(calls[0].data["step_w"]) == pytest.approx(2000, abs=50)
    # The step bounds are offered to the editor only where there is a step.
    capabilities = await editor_capabilities(hass, hass_ws_client, triggers["appliance_on"])
    assert {f["name"] for f in capabilities["extra_fields"]} == {"min_step_w", "max_step_w"}
    assert await editor_capabilities(hass, hass_ws_client, triggers["appliance_off"]) != {}
    assert set(TRANSLATED["extra_fields"]) == {"min_step_w", "max_step_w"}


async def editor_capabilities(
    hass: HomeAssistant, hass_ws_client, trigger: dict[str, Any]
) -> dict[str, Any]:
    """What the automation editor asks for a picked trigger (its extra fields)."""
    assert await async_setup_component(hass, "device_automation", {})
    client = await hass_ws_client()
    await client.send_json_auto_id(
        {"type": "device_automation/trigger/capabilities", "trigger": trigger}
    )
    answer = await client.receive_json()
    assert answer["success"], answer
    return answer["result"]


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.freeze_time(tick=True)
@pytest.mark.time_sensitive
async def test_flume_leaks_are_triggers(
    hass: HomeAssistant,
    bridge: SimulatedFlumeBridge,
) -> None:
    await add_calibrated(hass, bridge)
    triggers = await triggers_of(hass, device_of(hass, f"event.{FLUME}_water"))
    assert set(triggers) == {
        "leak_started",
        "leak_cleared",
        "high_flow_started",
        "high_flow_cleared",
    }
    calls = await automate(hass, triggers["leak_started"], triggers["leak_cleared"])
    await publish(hass, bridge.water, RUNNING_TOILET)  # 0.4 L/min for three hours
    await publish(hass, bridge.water, [(300, 0.0)])
    assert [c.data["type"] for c in calls] == ["leak_started", "leak_cleared"]


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.time_sensitive
async def test_wemo_long_press_is_the_trigger_core_wemo_users_know(
    hass: HomeAssistant,
    insight: SimulatedWemo,
) -> None:
    pytest_socket.socket_allow_hosts(["127.0.0.1", "127.0.0.2"])
    await add(hass, insight)
    async with SimulatedWemo("LightSwitch", serial="221617K0000001", host="127.0.0.2") as sim:
        sim.name = "Hall light"
        await add(hass, sim, host="127.0.0.2")
        triggers = await triggers_of(hass, device_of(hass, "event.hall_light_long_press"))
        assert set(triggers) == {"LongPress"}
        assert TRANSLATED["trigger_type"]["LongPress"] == "WeMo button was pressed for 2 seconds"
        calls = await automate(hass, triggers["LongPress"])
        await sim.long_press()
        await until(lambda: len(calls) == 1)
        assert calls[0].data["event_type"] == "long_press"
        # A reload restores the event entity's last state: that is no second press.
        (entry,) = [e for e in hass.config_entries.async_entries(DOMAIN) if "Hall" in e.title]
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert len(calls) == 1


async def test_a_trigger_config_with_a_step_range_on_a_stepless_event_is_refused(
    hass: HomeAssistant,
) -> None:
    from custom_components.lanmeter.device_trigger import async_validate_trigger_config

    config = {
        "platform": "device",
        "domain": DOMAIN,
        "device_id": "abc",
        "entity_id": "event.x",
        "type": "leak_started",
        "min_step_w": 100,
    }
    with pytest.raises(Exception, match="no step to bound"):
        await async_validate_trigger_config(hass, config)


@pytest.mark.time_sensitive
async def test_home_assistants_own_event_received_trigger_works_on_our_event_entities(
    hass: HomeAssistant, freezer
) -> None:
    """Home Assistant 2026.7+ has an "Event received" trigger for any event entity."""
    from homeassistant.const import __version__ as ha_version

    if tuple(int(p) for p in ha_version.split(".")[:2]) < (2026, 7):
        pytest.skip(f"Home Assistant {ha_version} has no event.received trigger (2026.7+)")
    trace = Trace(hass, freezer)
    await trace.at(0, mains=300, kettle_power=0, fridge_power=0)
    await add_home(hass)
    calls = await automate(
        hass,
        {
            "trigger": "event.received",
            "target": {"entity_id": "event.home_appliance"},
            "options": {"event_type": ["appliance_off"]},
        },
    )
    for reading in range(24):
        await trace.at(5, mains=300 + reading % 3)
    for _ in range(6):
        await trace.at(5, mains=2300)
    for _ in range(6):
        await trace.at(5, mains=300)
    assert len(calls) == 1  # the off step only
