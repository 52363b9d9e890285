"""Finding and identifying Kasa plugs and strips: probe an address (port 9999, then KLAP) and
scan the network by discovery broadcast. Protocol work only, no Home Assistant import: the config
flow asks these and turns the answers into forms and entries."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
import logging

from kasa import Credentials, DeviceConnectionParameters, DeviceEncryptionType, Discover
from kasa.discover import DiscoveredRaw

from . import const as kasa_const
from .client import (
    DEFAULT_PORT,
    SUPPORTED_FAMILIES,
    XOR,
    KasaAuthError,
    KasaConnectionError,
    KasaUnsupportedError,
    find_connection,
)
from .readings import KasaAnswerError, SysInfo, parse_sysinfo
from .smart_client import client_for

_LOGGER = logging.getLogger(__name__)

# Where the scan sends its query: every device on the local network, at python-kasa's ports.
BROADCAST = "255.255.255.255"
# The discovery answers (UDP 20002) of plugs and strips LAN Meter reads.
SCANNED_FAMILIES = {family.value for family in SUPPORTED_FAMILIES}
# KLAP firmware serves HTTP on port 80 unless its discovery answer names another.
KLAP_DEFAULT_PORT = 80


@dataclass(frozen=True)
class Probe:
    """The device found, and how to talk to it (port and connection: XOR on 9999, or KLAP on
    the device's HTTP port)."""

    info: SysInfo
    port: int = DEFAULT_PORT
    connection: DeviceConnectionParameters = field(default_factory=lambda: XOR)


class KasaAccountNeeded(KasaAuthError):
    """The device refused the account (or none was given): it answers only to its owner's Kasa
    account, on this port and connection."""

    def __init__(self, message: str, port: int, connection: DeviceConnectionParameters) -> None:
        super().__init__(message)
        self.port, self.connection = port, connection


async def probe(
    host: str,
    port: int,
    connection: DeviceConnectionParameters = XOR,
    credentials: Credentials | None = None,
) -> Probe:
    """Connect one way and identify the device. Raises KasaConnectionError (no answer),
    KasaAccountNeeded (refused the account) or KasaUnsupportedError (not a plug or strip LAN
    Meter reads)."""
    client = client_for(host, port, connection, credentials)
    try:
        return Probe(await client.identify(), port, connection)
    except KasaAuthError as err:
        raise KasaAccountNeeded(str(err), port, connection) from err
    except KasaAnswerError as err:
        _LOGGER.info("%s:%s is not a supported Kasa plug or strip: %s", host, port, err)
        raise KasaUnsupportedError(str(err)) from err
    finally:
        await client.close()


async def probe_any(
    host: str, port: int | None = None, credentials: Credentials | None = None
) -> Probe:
    """Port 9999 first (most strips); when it is closed, ask the device by discovery how it
    speaks (newer firmware: KLAP or AES, IOT or SMART JSON) and try that with the Kasa account,
    if one was given (python-kasa also tries the factory and blank accounts). Raises as probe
    does; KasaNewEncryptionError when the answer names an encryption python-kasa lacks."""
    try:
        return await probe(host, DEFAULT_PORT if port is None else port)
    except KasaConnectionError:
        # KasaUnsupportedError: a camera, a bulb, firmware whose encryption is unknown...
        connection = await find_connection(host)
        if connection is None or connection.encryption_type is DeviceEncryptionType.Xor:
            raise
    return await probe(host, connection.http_port or KLAP_DEFAULT_PORT, connection, credentials)


@dataclass(frozen=True)
class Found:
    """A device that answered the discovery broadcast. Newer (KLAP) firmware tells only its
    model before the owner's account logs in: no alias, and `port` None (9999 is tried first,
    then KLAP, as for an address typed in)."""

    ip: str
    mac: str
    model: str
    alias: str | None = None
    port: int | None = None

    @property
    def needs_account(self) -> bool:
        return self.alias is None


async def scan(
    target: str = BROADCAST,
    port: int | None = None,
) -> dict[str, Found]:
    """Send a discovery query to `target` (a broadcast address, or one host) and return the
    plugs and strips that answered, by IP: legacy firmware answers with its sysinfo (UDP 9999,
    or `port`), KLAP firmware with a summary (UDP 20002)."""
    found: dict[str, Found] = {}

    def on_raw(raw: DiscoveredRaw) -> None:
        meta = raw.get("meta", {})
        response = raw.get("discovery_response", {})
        with contextlib.suppress(KasaAnswerError, KeyError, TypeError, AttributeError):
            ip = str(meta["ip"])
            if "result" in response:  # newer firmware: no sysinfo before logging in
                result = response["result"]
                if str(result["device_type"]) in SCANNED_FAMILIES:
                    found[ip] = Found(ip, str(result["mac"]), str(result["device_model"]))
                return
            info = parse_sysinfo(response["system"]["get_sysinfo"])
            found[ip] = Found(ip, info.mac, info.model, info.alias, port or DEFAULT_PORT)

    devices = await Discover.discover(
        target=target,
        port=port,
        discovery_timeout=kasa_const.DISCOVERY_TIMEOUT_S,
        on_discovered_raw=on_raw,
    )
    for device in devices.values():
        with contextlib.suppress(Exception):
            await device.protocol.close()
    return found
