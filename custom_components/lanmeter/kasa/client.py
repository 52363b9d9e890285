"""A lean Kasa client: python-kasa's transport, only the queries the entities need.

python-kasa's `Device.update()` asks every outlet for schedules, anti-theft, countdown, time and
cloud state. The entities need sysinfo (relay states) and per-outlet realtime power; the day's
energy changes slowly and is read rarely. All of it goes over python-kasa's protocol for the
device, one request in flight at a time, as the HS300 wants: XOR on one persistent TCP connection
(port 9999), or, for newer firmware, KLAP over HTTP with the owner's Kasa account (the same JSON
inside; python-kasa does the handshake and the AES).

No Home Assistant import here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
import time
from typing import Any

import aiohttp
from kasa import (
    AuthenticationError,
    Credentials,
    DeviceConfig,
    DeviceConnectionParameters,
    DeviceEncryptionType,
    DeviceFamily,
    Discover,
    KasaException,
    UnsupportedDeviceError,
)
from kasa.iot import IotPlug, IotStrip
from kasa.iot.iottimezone import get_timezone_index
from kasa.protocols import BaseProtocol, IotProtocol

from . import const as kasa_const
from .library import iot_device_class, iot_protocol
from .readings import (
    CloudState,
    DeviceTime,
    KasaAnswerError,
    OutletInfo,
    Realtime,
    SysInfo,
    module_answer,
    parse_day_energy,
    parse_day_list,
    parse_iot_cloud,
    parse_month_list,
    parse_realtime,
    parse_sysinfo,
    parse_time,
)

DEFAULT_PORT = 9999
# python-kasa's defaults (5 s, 3 retries) take 20 s to notice a dead strip; two tries of 2 s
# notice it within one 5 s poll interval, and a healthy strip answers in milliseconds.
QUERY_TIMEOUT_S = 2
QUERY_RETRIES = 1

SYSINFO: dict[str, Any] = {"system": {"get_sysinfo": {}}}
REALTIME: dict[str, Any] = {"emeter": {"get_realtime": {}}}
TIME: dict[str, Any] = {"time": {"get_time": {}, "get_timezone": {}}}
# Read with the clock (hourly): whether the strip is connected to TP-Link's cloud.
CLOUD: dict[str, Any] = {"cnCloud": {"get_info": {}}}
SUPPORTED_CLASSES = (IotPlug, IotStrip)


class KasaConnectionError(Exception):
    """The strip did not answer (gone, busy, or the port is closed)."""


class KasaUnsupportedError(Exception):
    """The device answered but is not a plug or strip LAN Meter supports."""


class KasaNewEncryptionError(KasaUnsupportedError):
    """The device's discovery answer names an encryption python-kasa cannot speak (TPAP on some
    KP125M, P125M, P410M firmware, or anything newer): LAN Meter cannot read it (yet)."""

    def __init__(self, model: str, encryption: str, firmware: str | None = None) -> None:
        super().__init__(
            f"{model} asks for {encryption} encryption, which python-kasa does not speak (yet)"
        )
        self.model, self.encryption, self.firmware = model, encryption, firmware


class KasaAuthError(Exception):
    """The device speaks KLAP and refused the Kasa account (or none was given)."""


XOR = DeviceConnectionParameters(DeviceFamily.IotSmartPlugSwitch, DeviceEncryptionType.Xor)
# Families and encryptions of the plugs and strips LAN Meter reads: IOT JSON (port 9999 or
# KLAP), and SMART JSON (KLAP or AES) for Kasa and Tapo plugs and strips.
SMART_FAMILIES = (DeviceFamily.SmartKasaPlug, DeviceFamily.SmartTapoPlug)
SUPPORTED_FAMILIES = (DeviceFamily.IotSmartPlugSwitch, *SMART_FAMILIES)
SUPPORTED_ENCRYPTIONS = (
    DeviceEncryptionType.Xor,
    DeviceEncryptionType.Klap,
    DeviceEncryptionType.Aes,
)


async def find_connection(host: str) -> DeviceConnectionParameters | None:
    """Ask the device how to talk to it (python-kasa's discovery on UDP 9999 and 20002): newer
    firmware answers on 20002 with its encryption (KLAP) and HTTP port. None: no answer.
    Raises KasaUnsupportedError for a device LAN Meter cannot read (Tapo, cameras...)."""
    raw_answers: list[dict[str, Any]] = []
    try:
        device = await Discover.discover_single(
            host,
            discovery_timeout=kasa_const.DISCOVERY_TIMEOUT_S,
            on_discovered_raw=lambda raw: raw_answers.append(dict(raw)),
        )
    except UnsupportedDeviceError as err:
        for raw in raw_answers:
            _raise_if_new_encryption(raw.get("discovery_response"))
        raise KasaUnsupportedError(str(err)) from err
    except (KasaException, TimeoutError, OSError):
        return None
    if device is None:
        return None
    connection = device.config.connection_type
    await device.protocol.close()
    if (
        connection.device_family not in SUPPORTED_FAMILIES
        or connection.encryption_type not in SUPPORTED_ENCRYPTIONS
    ):
        raise KasaUnsupportedError(
            f"{host} is a {connection.device_family.value} speaking "
            f"{connection.encryption_type.value}"
        )
    return connection


def _raise_if_new_encryption(answer: Any) -> None:
    """KasaNewEncryptionError when a UDP 20002 answer names an encryption python-kasa lacks."""
    result = answer.get("result") if isinstance(answer, dict) else None
    if not isinstance(result, dict):
        return
    scheme = result.get("mgt_encrypt_schm")
    encryption = scheme.get("encrypt_type") if isinstance(scheme, dict) else None
    known = {member.value for member in DeviceEncryptionType}
    if isinstance(encryption, str) and encryption and encryption not in known:
        firmware = result.get("firmware_version") or result.get("fw_ver")
        raise KasaNewEncryptionError(
            str(result.get("device_model") or result.get("device_type") or "The device"),
            encryption,
            str(firmware) if firmware else None,
        )


@dataclass
class OutletReading:
    """One outlet after a poll. Realtime is None when its meter answer was unusable."""

    is_on: bool
    realtime: Realtime | None
    # The device says its register started again (a SMART plug's month count at its month
    # start): the ledger books the fall as a reset without waiting (ledger.py `restarted`).
    register_restarted: bool = False
    # The register's last value before it started again, when the device keeps it (a SMART
    # plug's finished month): booked first, so the minutes before the reset are not lost.
    closing_kwh: float | None = None


@dataclass
class StripReading:
    """One complete poll of a strip or plug."""

    info: SysInfo
    outlets: list[OutletReading]
    received_at: float = field(default_factory=time.monotonic)
    time: DeviceTime | None = None  # the strip's clock, when the poll asked for it
    cloud: CloudState | None = None  # its cloud connection, asked with the clock

    @property
    def total_power_w(self) -> float | None:
        powers = [o.realtime.power_w for o in self.outlets if o.realtime]
        if len(powers) != len(self.outlets):
            return None
        return round(sum(powers), 3)


@dataclass
class ClientStats:
    """Counters for diagnostics and the benchmark."""

    requests: int = 0
    failed_polls: int = 0
    bad_answers: int = 0
    last_error: str | None = None


class KasaStripClient:
    """Polls one strip or plug."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        *,
        connection: DeviceConnectionParameters = XOR,
        credentials: Credentials | None = None,
        http_client: aiohttp.ClientSession | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.connection = connection
        self.credentials = credentials
        self.http_client = http_client
        config = DeviceConfig(
            host=host,
            port_override=port,
            timeout=QUERY_TIMEOUT_S,
            credentials=credentials,
            connection_type=connection,
            # KLAP speaks HTTP: the caller's session (Home Assistant's), else python-kasa's own.
            http_client=http_client,
        )
        self._protocol = self._protocol_for(config)
        self._is_strip: bool | None = None  # known after the first sysinfo
        self._last_realtime: dict[int, Realtime | None] = {}
        self.stats = ClientStats()

    @staticmethod
    def _protocol_for(config: DeviceConfig) -> BaseProtocol:
        protocol = iot_protocol(config)
        if not isinstance(protocol, IotProtocol):
            raise KasaUnsupportedError(f"no IOT protocol for {config.connection_type.to_dict()}")
        return protocol

    async def _query(self, request: dict[str, Any]) -> dict[str, Any]:
        self.stats.requests += 1
        try:
            return await self._protocol.query(request, retry_count=QUERY_RETRIES)
        except AuthenticationError as err:
            raise KasaAuthError(f"{self.host}:{self.port}: {err}") from err
        except KasaException as err:
            raise KasaConnectionError(f"{self.host}:{self.port}: {err}") from err

    async def identify(self) -> SysInfo:
        """Read sysinfo and check it is a plug or strip (what the config flow calls)."""
        response = await self._query(SYSINFO)
        sysinfo = module_answer(response, "system", "get_sysinfo")
        try:
            # python-kasa's own identification takes the whole answer.
            device_class = iot_device_class(response)
        except (UnsupportedDeviceError, KasaException) as err:
            raise KasaUnsupportedError(str(err)) from err
        if not issubclass(device_class, SUPPORTED_CLASSES):
            raise KasaUnsupportedError(f"{sysinfo.get('model')} is a {device_class.__name__}")
        info = parse_sysinfo(sysinfo)
        self._is_strip = info.is_strip
        return info

    async def poll(self, *, read_time: bool = False) -> StripReading:
        """Sysinfo, then each outlet's realtime meter.

        With `read_time`, the strip's clock is asked in the same request as sysinfo (as
        python-kasa merges modules), so it costs no extra round trip.
        A bad sysinfo answer fails the poll (raises); a bad meter answer blanks only its outlet.
        """
        # A known plug answers sysinfo and its meter in one request; a strip's outlets each need
        # a request with their context.
        combined = self._is_strip is False
        request = SYSINFO | REALTIME if combined else SYSINFO
        response = await self._query(request | TIME | CLOUD if read_time else request)
        try:
            info = parse_sysinfo(module_answer(response, "system", "get_sysinfo"))
        except KasaAnswerError:
            self.stats.bad_answers += 1
            raise
        self._is_strip = info.is_strip
        outlets = []
        for outlet in info.outlets:
            realtime = None
            if info.has_meter:
                realtime = await self._outlet_realtime(outlet, response if combined else None)
                self._last_realtime[outlet.slot] = realtime
            outlets.append(OutletReading(outlet.is_on, realtime))
        return StripReading(
            info,
            outlets,
            time=_time_from(response) if read_time else None,
            cloud=_cloud_from(response) if read_time else None,
        )

    async def _outlet_realtime(
        self, outlet: OutletInfo, combined: dict[str, Any] | None
    ) -> Realtime | None:
        """An outlet's meter. A strip outlet whose relay is off draws nothing: its meter is not
        asked again (one request fewer per off outlet per poll) once its register is known."""
        if outlet.child_id is None:
            return self._realtime_from(combined or await self._query(REALTIME))
        last = self._last_realtime.get(outlet.slot)
        if not outlet.is_on and last is not None:
            return Realtime(0.0, last.voltage_v, 0.0, last.total_kwh)
        return self._realtime_from(await self._query(self._for(outlet.child_id)))

    @staticmethod
    def _for(child_id: str, request: dict[str, Any] = REALTIME) -> dict[str, Any]:
        return {"context": {"child_ids": [child_id]}} | request

    def _realtime_from(self, response: dict[str, Any]) -> Realtime | None:
        if "emeter" not in response:
            return None
        try:
            return parse_realtime(module_answer(response, "emeter", "get_realtime"))
        except KasaAnswerError as err:
            self.stats.bad_answers += 1
            self.stats.last_error = str(err)
            return None

    async def day_count(self, child_id: str | None, day: dt.date) -> float | None:
        """The outlet's own count for `day` (its date, by its clock), from get_daystat: asked
        once when Home Assistant's day starts, never per poll. None when the answer is bad."""
        request: dict[str, Any] = {
            "emeter": {"get_daystat": {"year": day.year, "month": day.month}}
        }
        if child_id is not None:
            request = self._for(child_id, request)
        try:
            answer = module_answer(await self._query(request), "emeter", "get_daystat")
            return parse_day_energy(answer, day.year, day.month, day.day)
        except KasaAnswerError as err:
            self.stats.bad_answers += 1
            self.stats.last_error = str(err)
            return None

    async def day_energy(self, child_id: str | None, year: int, month: int) -> dict[dt.date, float]:
        """kWh per day of one month, as the outlet's meter kept them (get_daystat)."""
        request: dict[str, Any] = {"emeter": {"get_daystat": {"year": year, "month": month}}}
        if child_id is not None:
            request = self._for(child_id, request)
        return parse_day_list(module_answer(await self._query(request), "emeter", "get_daystat"))

    async def month_energy(self, child_id: str | None, year: int) -> dict[tuple[int, int], float]:
        """kWh per month of one year, as the outlet's meter kept them (get_monthstat)."""
        request: dict[str, Any] = {"emeter": {"get_monthstat": {"year": year}}}
        if child_id is not None:
            request = self._for(child_id, request)
        answer = module_answer(await self._query(request), "emeter", "get_monthstat")
        return parse_month_list(answer)

    async def hour_energy(
        self, child_id: str | None, first: dt.date, last: dt.date
    ) -> dict[dt.datetime, float]:
        """kWh per hour (keyed by the hour's start, aware): an IOT meter keeps none."""
        return {}

    async def set_auto_update(self, on: bool) -> None:
        """Whether the device updates its firmware by itself: IOT strips cannot be told."""
        raise KasaAnswerError("this device has no firmware auto-update setting")

    async def set_time(self, now: dt.datetime, current_index: int | None) -> None:
        """Set the strip's clock to `now` (aware) in its zone: set_timezone when the zone index
        differs (python-kasa's table), else set_time. Raises unless the strip confirms."""
        params: dict[str, Any] = {
            "year": now.year, "month": now.month, "mday": now.day,
            "hour": now.hour, "min": now.minute, "sec": now.second,
        }  # fmt: skip
        method = "set_time"
        if now.tzinfo is not None:
            try:
                index = await get_timezone_index(now.tzinfo)
            except ValueError:
                index = None  # a zone the firmware does not know: the wall time still helps
            if index is not None and index != current_index:
                params["index"] = index
                method = "set_timezone"
        module_answer(await self._query({"time": {method: params}}), "time", method)

    async def set_outlet(self, child_id: str | None, on: bool) -> None:
        """Switch one outlet (a child) or the whole plug; raises unless the strip confirms."""
        request: dict[str, Any] = {"system": {"set_relay_state": {"state": int(on)}}}
        if child_id is not None:
            request = self._for(child_id, request)
        module_answer(await self._query(request), "system", "set_relay_state")

    async def set_led(self, on: bool) -> None:
        request = {"system": {"set_led_off": {"off": int(not on)}}}
        module_answer(await self._query(request), "system", "set_led_off")

    async def close(self) -> None:
        await self._protocol.close()


def _cloud_from(response: dict[str, Any]) -> CloudState | None:
    """The strip's cloud connection from a poll's answer; None if it does not say."""
    try:
        return parse_iot_cloud(module_answer(response, "cnCloud", "get_info"))
    except KasaAnswerError:
        return None


def _time_from(response: dict[str, Any]) -> DeviceTime | None:
    """The strip's clock from a poll's answer; None if it has none or answered badly (its
    readings do not depend on it)."""
    try:
        answer = module_answer(response, "time", "get_time")
    except KasaAnswerError:
        return None
    try:
        zone: dict[str, Any] | None = module_answer(response, "time", "get_timezone")
    except KasaAnswerError:
        zone = None  # the time alone is enough
    try:
        return parse_time(answer, zone)
    except KasaAnswerError:
        return None
