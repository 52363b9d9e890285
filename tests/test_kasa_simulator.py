"""The HS300 simulator agrees with real devices' captures and is accepted by python-kasa itself."""

from __future__ import annotations

import json

from kasa import Device, DeviceConfig, Discover
from kasa.iot import IotPlug, IotStrip
import pytest

from devkit.simulators.kasa_device import SimulatedKasaDevice, decrypt, encrypt, hs300_template
from tests.conftest import captures_dir

pytestmark = pytest.mark.usefixtures("socket_enabled")


def capture_files():
    return sorted(captures_dir("kasa").glob("*.json"))


def test_cipher_round_trip_and_known_bytes() -> None:
    """XOR autokey with initial key 171: '{' (0x7B) encrypts to 0x7B ^ 0xAB = 0xD0."""
    assert encrypt(b"{")[0] == 0xD0
    message = b'{"system":{"get_sysinfo":{}}}'
    assert decrypt(encrypt(message)) == message


def test_builtin_template_has_the_shape_of_a_real_hs300() -> None:
    """The demo's HS300 (no captures on a user's machine) has the real HS300's keys and types."""
    real = json.loads((captures_dir("kasa") / "HS300(US)_2.0_1.0.12.json").read_text())
    real_info = real["system"]["get_sysinfo"]
    template = hs300_template()
    assert set(template) == set(real_info)
    for key, value in real_info.items():
        assert type(template[key]) is type(value), key
    assert set(template["children"][0]) == set(real_info["children"][0])


@pytest.mark.parametrize("capture", capture_files(), ids=lambda p: p.stem)
async def test_python_kasa_accepts_the_simulator(capture) -> None:
    """python-kasa's own client connects to each captured model and reads it back."""
    async with SimulatedKasaDevice.from_capture(capture) as sim:
        sim.set_load(0, 42.5)
        device = await Device.connect(config=DeviceConfig("127.0.0.1", port_override=sim.port))
        try:
            real_info = json.loads(capture.read_text())["system"]["get_sysinfo"]
            assert device.model == real_info["model"].split("(")[0]  # python-kasa drops the region
            if real_info.get("children"):
                assert isinstance(device, IotStrip)
                assert len(device.children) == real_info["child_num"]
                assert [c.device_id.split("_")[-1] for c in device.children] == sim.child_ids
            else:
                assert isinstance(device, IotPlug)
            assert device.mac == sim.mac
            # Toggling through python-kasa reaches the simulated relay.
            target = device.children[0] if device.children else device
            await target.turn_on()
            assert sim.outlets[0].on
            await target.turn_off()
            assert not sim.outlets[0].on
            # Several requests went over one connection, as python-kasa keeps it open.
            assert len(sim.requests) > 3
        finally:
            await device.disconnect()


async def test_error_codes_match_the_firmware() -> None:
    async with SimulatedKasaDevice.hs300() as sim:
        assert sim.handle({"cloud": {"get_info": {}}}) == {
            "cloud": {"err_code": -1, "err_msg": "module not support"}
        }
        assert sim.handle({"system": {"reboot_now": {}}})["system"]["reboot_now"]["err_code"] == -2
        answer = sim.handle({"context": {"child_ids": ["nope"]}, "emeter": {"get_realtime": {}}})
        assert answer["emeter"]["err_code"] == -14


async def test_realtime_units_follow_the_captured_model() -> None:
    """HS300 answers in milli-units with slot_id; HS110 v1 in volts, amps, watts, kWh."""
    async with SimulatedKasaDevice.hs300() as strip:
        strip.set_load(2, 100.0)
        strip.outlets[2].on = True
        child = strip.child_ids[2]
        answer = strip.handle({"context": {"child_ids": [child]}, "emeter": {"get_realtime": {}}})
        realtime = answer["emeter"]["get_realtime"]
        assert realtime["power_mw"] == 100000
        assert realtime["slot_id"] == 2
        assert set(realtime) == {
            "voltage_mv",
            "current_ma",
            "power_mw",
            "total_wh",
            "slot_id",
            "err_code",
        }
    capture = captures_dir("kasa") / "HS110(US)_1.0_1.2.6.json"
    real = json.loads(capture.read_text())["emeter"]["get_realtime"]
    async with SimulatedKasaDevice.from_capture(capture) as plug:
        answer = plug.handle({"emeter": {"get_realtime": {}}})["emeter"]["get_realtime"]
        assert set(answer) == set(real)


async def test_udp_discovery_answers_from_the_queried_port() -> None:
    """python-kasa's discovery (which matches replies by source port) finds the simulator."""
    async with SimulatedKasaDevice.hs300(mac="50:C7:BF:12:34:56") as sim:
        device = await Discover.discover_single(
            "127.0.0.1", port=sim.port, discovery_timeout=2, timeout=2
        )
        try:
            assert device.mac == "50:C7:BF:12:34:56"
            assert device.model == "HS300"
        finally:
            await device.disconnect()
