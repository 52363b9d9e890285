"""The Glow receiver under abuse from the LAN, over its real TLS socket (issue: hostile LAN)."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
from pathlib import Path
import ssl
import stat

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.glow import certificate
from custom_components.lanmeter.glow import receiver as receiver_module
from devkit.simulators.glow_cad import ScriptedMeter, SimulatedCad, upload_body
from tests.conftest import captures_dir
from tests.kinds.glow import CAD_ID, add_receiver, menu, publish, url, value, wait_for
from tests.mosquitto import free_port
from tests.polling import until

pytestmark = pytest.mark.usefixtures("socket_enabled")


def tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def cad_ids(count: int) -> list[str]:
    return [f"70B3D521E0DE{n:04X}" for n in range(1, count + 1)]


def glow_flows(hass: HomeAssistant) -> list[dict]:
    return [
        f
        for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if f["step_id"] == "glow_allow"
    ]


async def test_a_flood_of_cad_ids_adopts_one_and_asks_about_at_most_ten(
    hass: HomeAssistant, hass_client
) -> None:
    entry = await add_receiver(hass, free_port())
    ids = cad_ids(30)
    statuses = []
    for device_id in ids:
        async with SimulatedCad(url(entry), device_id) as cad:
            statuses.append((await cad.upload())[0])
    await hass.async_block_till_done()
    assert statuses == [200] + [403] * 29
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert len(devices) == 1
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert {e.device_id for e in entities} == {devices[0].id}
    assert list(entry.runtime_data.runtime.coordinator.data) == [ids[0]]
    flows = glow_flows(hass)
    assert len(flows) == 10  # the newest ten; older questions were dropped
    asked = {f["context"]["unique_id"].rsplit(":", 1)[1] for f in flows}
    assert asked == set(ids[-10:])
    # Refused CADs leave nothing in storage.
    await entry.runtime_data.runtime.coordinator.async_save_now()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert len(diagnostics["device"]["devices"]) == 1
    assert diagnostics["device"]["counters"]["forbidden"] == 29


async def test_a_confirmed_second_cad_is_accepted(hass: HomeAssistant) -> None:
    entry = await add_receiver(hass, free_port())
    first, second = cad_ids(2)
    async with SimulatedCad(url(entry), first) as cad:
        assert (await cad.upload())[0] == 200
    async with SimulatedCad(url(entry), second) as cad:
        assert (await cad.upload())[0] == 403
        await hass.async_block_till_done()
        (flow,) = glow_flows(hass)
        result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
        assert result["reason"] == "glow_device_allowed"
        await hass.async_block_till_done()
        assert (await cad.upload())[0] == 200
    await hass.async_block_till_done()
    assert set(entry.runtime_data.runtime.coordinator.data) == {first, second}
    assert len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)) == 2


async def test_idle_and_half_sent_heads_are_closed(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receiver_module, "HEAD_TIMEOUT_S", 0.5)
    entry = await add_receiver(hass, free_port())
    port = entry.data["port"]
    idle = await asyncio.open_connection("127.0.0.1", port, ssl=tls())
    half = await asyncio.open_connection("127.0.0.1", port, ssl=tls())
    half[1].write(b"POST /zb02 HTTP/1.1\r\nHost: x\r\nX-I")
    await half[1].drain()
    for reader, writer in (idle, half):
        async with asyncio.timeout(10):  # closed by the receiver, not by this bound
            assert await reader.read() == b""
        writer.close()
    receiver = entry.runtime_data.runtime.receiver
    assert receiver.counters["head_timeout"] == 2
    assert receiver.connections == 0
    # A real CAD still gets through.
    async with SimulatedCad(url(entry), CAD_ID) as cad:
        assert (await cad.upload())[0] == 200


async def test_concurrent_connections_are_capped(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receiver_module, "MAX_CONNECTIONS", 3)
    entry = await add_receiver(hass, free_port())
    port = entry.data["port"]
    receiver = entry.runtime_data.runtime.receiver
    held = [await asyncio.open_connection("127.0.0.1", port, ssl=tls()) for _ in range(3)]
    await until(lambda: receiver.connections == 3)  # the server side has taken them
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=tls())
    async with asyncio.timeout(5):
        with pytest.raises((ConnectionResetError, ssl.SSLError, asyncio.IncompleteReadError)):
            data = await reader.read()
            if data == b"":
                raise ConnectionResetError("closed")
    writer.close()
    assert receiver.counters["too_many_connections"] >= 1
    for _, w in held:
        w.close()
    await until(lambda: receiver.connections == 0)
    async with SimulatedCad(url(entry), CAD_ID) as cad:
        assert (await cad.upload())[0] == 200


async def test_compressed_bodies_are_refused_not_inflated(hass: HomeAssistant) -> None:
    entry = await add_receiver(hass, free_port())
    async with SimulatedCad(url(entry), CAD_ID) as cad:
        body = json.dumps(upload_body(cad.meter)).encode()
        headers = cad._headers("application/json") | {"Content-Encoding": "gzip"}
        assert (await cad.post_raw(gzip.compress(body), headers=headers))[0] == 415
        # A bomb: 64 MiB of zeros in ~64 KiB. Refused on its header or its received size.
        bomb = gzip.compress(b"0" * (64 * 1024 * 1024), compresslevel=9)
        assert len(bomb) < receiver_module.BODY_LIMIT
        assert (await cad.post_raw(bomb, headers=headers))[0] == 415
        big = b" " * (receiver_module.BODY_LIMIT + 1)
        assert (await cad.post_raw(big))[0] == 413
        assert (await cad.upload())[0] == 200
    counters = entry.runtime_data.runtime.receiver.counters
    assert counters["content_encoding"] == 2
    assert counters["accepted"] == 1


@pytest.mark.parametrize(
    ("body", "status", "counter"),
    [
        (b"[" * 60000, 400, "bad_json"),  # 60,000 nested brackets (under the size limit)
        (None, 400, "bad_value"),  # signed hex in a register
        (
            b"EPRICE:" + b",".join([b"1"] * 5 + [b"FFFFFFFFFFFFFFFF"] + [b"1"] * 7),
            400,
            "bad_tariff",
        ),
        (b"EPRICE:" + b",".join([b"-1"] * 13), 400, "bad_tariff"),
    ],
)
async def test_absurd_values_get_a_4xx_and_change_nothing(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    body: bytes | None,
    status: int,
    counter: str,
) -> None:
    caplog.set_level(logging.WARNING)
    entry = await add_receiver(hass, free_port())
    async with SimulatedCad(url(entry), CAD_ID) as cad:
        assert (await cad.upload())[0] == 200
        await hass.async_block_till_done()
        before = value(hass, "electricity_imported"), value(hass, "cost_today")
        if body is None:
            bad = upload_body(cad.meter)
            bad["elecMtr"]["0702"]["00"]["00"] = "-9C4"
            body = json.dumps(bad).encode()
        for _ in range(2):
            assert (await cad.post_raw(body, "text/plain"))[0] == status
        await hass.async_block_till_done()
        assert (value(hass, "electricity_imported"), value(hass, "cost_today")) == before
        assert (await cad.upload())[0] == 200
    assert entry.runtime_data.runtime.receiver.counters[counter] == 2
    logged = [r for r in caplog.records if counter.replace("_", " ") in r.getMessage()]
    assert len([r for r in caplog.records if "Glow receiver" in r.getMessage()]) == 1, logged


async def test_a_register_jump_is_held_back_not_booked(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A register no meter can read is refused (422); one that merely jumped is taken but held
    back by the ledger; the total and cost stay, and a level that does not hold is never
    booked."""
    entry = await add_receiver(hass, free_port())
    meter = ScriptedMeter(clock=None)
    async with SimulatedCad(url(entry), CAD_ID, meter) as cad:
        assert (await cad.upload())[0] == 200
        await hass.async_block_till_done()
        before = float(value(hass, "electricity_imported"))
        normal = meter.import_kwh
        meter.import_kwh = 2.5e11  # near the 48-bit register's top: 1e15 Wh
        assert (await cad.upload())[0] == 422
        meter.import_kwh = normal + 50_000  # +50 MWh seconds later: held back
        assert (await cad.upload())[0] == 200
        meter.import_kwh = normal + 0.001
        assert (await cad.upload())[0] == 200
        await hass.async_block_till_done()
    assert float(value(hass, "electricity_imported")) == pytest.approx(before + 0.001, abs=0.01)
    hub = entry.runtime_data.runtime.coordinator
    assert hub.counters["implausible_reading"] == 1
    assert (hub.counters["register_held"], hub.counters["register_glitch"]) == (1, 1)
    refused = [r.getMessage() for r in caplog.records if "implausible_reading" in r.getMessage()]
    assert refused[0].startswith(f"Glow receiver (port {entry.data['port']}): ignored"), refused


def test_the_key_is_written_private_and_a_corrupt_one_is_replaced(tmp_path: Path) -> None:
    umask = os.umask(0o022)  # a usual umask: files would be world-readable by default
    try:
        cert_path, key_path = certificate.ensure_certificate(tmp_path)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.tmp"))
    certificate.server_context(tmp_path)
    key_path.write_text("not a key")
    context = certificate.server_context(tmp_path)  # regenerated, not a setup failure
    assert isinstance(context, ssl.SSLContext)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    cert_path.write_bytes(b"\x00" * 10)
    assert isinstance(certificate.server_context(tmp_path), ssl.SSLContext)


async def test_a_corrupt_key_does_not_stop_the_receiver(hass: HomeAssistant) -> None:
    def corrupt() -> None:
        directory = Path(hass.config.path(".storage", "lanmeter_glow"))
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "key.pem").write_text("garbage")
        (directory / "cert.pem").write_text("garbage")

    await hass.async_add_executor_job(corrupt)
    entry = await add_receiver(hass, free_port())
    assert entry.state is config_entries.ConfigEntryState.LOADED
    async with SimulatedCad(url(entry), CAD_ID) as cad:
        assert (await cad.upload())[0] == 200


async def test_new_macs_on_local_mqtt_need_confirming_too(
    hass: HomeAssistant,
    mqtt_broker: int,
) -> None:
    result = await menu(hass, "glow_mqtt")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": "127.0.0.1", "port": mqtt_broker, "tls": False, "topic_prefix": "glow"},
    )
    entry = result["result"]
    await hass.async_block_till_done()
    folder = captures_dir("glow")
    electricity = json.loads((folder / "local_mqtt_electricitymeter.json").read_text())
    macs = ["BCDDC2C6A91C", *(f"BCDDC2C6A9{n:02X}" for n in range(1, 13))]
    await hass.async_add_executor_job(
        publish, mqtt_broker, [(f"glow/{mac}/SENSOR/electricitymeter", electricity) for mac in macs]
    )
    await wait_for(hass, "sensor.glow_cad_c6a91c_power")
    coordinator = entry.runtime_data.runtime.coordinator
    await until(lambda: coordinator.counters.get("mqtt_forbidden", 0) >= 12)
    await hass.async_block_till_done()
    assert list(entry.runtime_data.runtime.coordinator.data) == [macs[0]]
    assert len(dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)) == 1
    assert len(glow_flows(hass)) == 10


@pytest.mark.parametrize("prefix", ["glow/#", "glow/+", "#", "$SYS", "a" * 200, "glow\x00"])
async def test_topic_prefixes_with_wildcards_are_refused(hass: HomeAssistant, prefix: str) -> None:
    result = await menu(hass, "glow_mqtt")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": "127.0.0.1", "port": 1, "tls": False, "topic_prefix": prefix},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"topic_prefix": "invalid_topic"}


async def test_diagnostics_name_no_cad(hass: HomeAssistant, hass_client) -> None:
    """CAD ids are dict keys and topic parts too: every one is replaced by a stable alias."""
    entry = await add_receiver(hass, free_port())
    first, second = cad_ids(2)
    async with SimulatedCad(url(entry), first) as cad:
        assert (await cad.upload())[0] == 200
    async with SimulatedCad(url(entry), second) as cad:
        assert (await cad.upload())[0] == 403  # named in a counter's log detail, a question
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for device_id in (first, second, first.lower()):
        assert device_id not in text
    assert list(diagnostics["device"]["devices"]) == ["**REDACTED_1**"]
