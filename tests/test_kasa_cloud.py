"""Whether a Kasa strip's wall against TP-Link's cloud holds, as the strip says (cnCloud)."""

from __future__ import annotations

import datetime as dt

from homeassistant.core import HomeAssistant
import pytest

from devkit.simulators.kasa_device import SimulatedKasaDevice
from tests.kinds.kasa import add_strip, poll

pytestmark = pytest.mark.usefixtures("socket_enabled")
CLOUD = "binary_sensor.kitchen_strip_cloud_connection"


async def test_the_strips_cloud_connection_is_a_diagnostic_sensor(
    hass: HomeAssistant, freezer, strip: SimulatedKasaDevice
) -> None:
    await add_strip(hass, strip)
    assert hass.states.get(CLOUD).state == "off"  # behind the firewall
    # An IOT strip has no firmware auto-update setting to offer.
    assert hass.states.get("switch.kitchen_strip_firmware_auto_update") is None
    strip.cloud_connected = True
    freezer.tick(dt.timedelta(hours=1))  # read hourly, with the clock
    await poll(hass)
    assert hass.states.get(CLOUD).state == "on"


async def test_a_firmware_change_is_logged_once_and_kept_for_diagnostics(
    hass: HomeAssistant, hass_client, strip: SimulatedKasaDevice
) -> None:
    from pytest_homeassistant_custom_component.common import async_capture_events
    from pytest_homeassistant_custom_component.components.diagnostics import (
        get_diagnostics_for_config_entry,
    )

    entries = async_capture_events(hass, "logbook_entry")
    entry = await add_strip(hass, strip)
    await poll(hass)
    assert entries == []  # the first version seen is no change
    old = strip.sysinfo["sw_ver"].split(" ")[0]
    strip.sysinfo["sw_ver"] = "1.0.99 Build 261201 Rel.120000"
    await poll(hass)
    await poll(hass)
    assert len(entries) == 1  # once, not at every poll
    assert entries[0].data["message"] == f"firmware changed from {old} (XOR) to 1.0.99 (XOR)"
    assert entries[0].data["name"] == "Kitchen strip"
    assert hass.states.get("sensor.kettle_power").state != "unavailable"  # access kept
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    seen = diagnostics["device"]["firmware_seen"]
    assert [item["firmware"] for item in seen] == [old, "1.0.99"]
