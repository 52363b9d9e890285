"""A Kasa strip on newer firmware: port 9999 closed, KLAP over HTTP, discovery on UDP 20002.

KLAP (protocols/kasa.md, python-kasa's klaptransport for the reverse-engineered details), written
here from the description rather than with python-kasa's classes, so tests check the client
against an independent peer:
- auth hash: v1 md5(md5(user) + md5(password)); v2 (login version 2) sha256(sha1(user) +
  sha1(password)). The user and password are the owner's Kasa account.
- POST /app/handshake1 with a 16-byte client seed -> 16-byte device seed + proof that the
  device knows the hash (v1 sha256(client + hash), v2 sha256(client + device + hash)), and a
  TP_SESSIONID cookie (and TIMEOUT, seconds).
- POST /app/handshake2 with the client's proof (v1 sha256(device + hash), v2
  sha256(device + client + hash)): 200, else 403.
- POST /app/request?seq=N: sha256(sig + seq + ciphertext) + AES-128-CBC(PKCS7) of the JSON; key,
  IV prefix and sig come from sha256("lsk"/"iv"/"ldk" + client + device + hash); IV = 12 bytes +
  seq (signed 32-bit big endian). The answer is encrypted the same way with the same seq.
- UDP 20002: any query gets a 16-byte header + JSON naming the family, "KLAP" and the HTTP port.

The JSON inside is the same IOT JSON as on port 9999: answered by a SimulatedKasaDevice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import struct
from typing import Any
import zlib

from aiohttp import web
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .kasa_device import SimulatedKasaDevice

SEQ = struct.Struct(">l")


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data).digest()


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def auth_hash(username: str, password: str, login_version: int) -> bytes:
    if login_version >= 2:
        return _sha256(_sha1(username.encode()) + _sha1(password.encode()))
    return _md5(_md5(username.encode()) + _md5(password.encode()))


def discovery_datagram(answer: dict[str, Any]) -> bytes:
    """A UDP 20002 answer: a 16-byte header, then the JSON."""
    payload = json.dumps(answer).encode()
    # Version 2, type 0, op 1, length, flags, reserved, serial, CRC32 (of the whole datagram
    # with the CRC field set to a fixed value; clients do not check it).
    header = struct.pack(">BBHHBBI", 2, 0, 1, len(payload), 0x11, 0, secrets.randbits(32))
    crc = zlib.crc32(header + b"\x5a\x6b\x7c\x8d" + payload)
    return header + struct.pack(">I", crc) + payload


class _Session:
    """One handshake's keys, per TP_SESSIONID cookie."""

    def __init__(self, client_seed: bytes, device_seed: bytes, hashed: bytes, lv: int) -> None:
        self.client_seed = client_seed
        self.device_seed = device_seed
        self.hashed = hashed
        self.login_version = lv
        self.confirmed = False
        material = client_seed + device_seed + hashed
        self.key = _sha256(b"lsk" + material)[:16]
        self.iv_prefix = _sha256(b"iv" + material)[:12]
        self.sig = _sha256(b"ldk" + material)[:28]

    def device_proof(self) -> bytes:
        if self.login_version >= 2:
            return _sha256(self.client_seed + self.device_seed + self.hashed)
        return _sha256(self.client_seed + self.hashed)

    def expected_client_proof(self) -> bytes:
        if self.login_version >= 2:
            return _sha256(self.device_seed + self.client_seed + self.hashed)
        return _sha256(self.device_seed + self.hashed)

    def _cipher(self, seq: int) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.iv_prefix + SEQ.pack(seq)))

    def open(self, body: bytes, seq: int) -> bytes | None:
        """The plaintext of a request, or None when its signature is wrong."""
        signature, ciphertext = body[:32], body[32:]
        if _sha256(self.sig + SEQ.pack(seq) + ciphertext) != signature or not ciphertext:
            return None
        decryptor = self._cipher(seq).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            return None

    def seal(self, plaintext: bytes, seq: int) -> bytes:
        padder = padding.PKCS7(128).padder()
        encryptor = self._cipher(seq).encryptor()
        ciphertext = encryptor.update(padder.update(plaintext) + padder.finalize())
        ciphertext += encryptor.finalize()
        return _sha256(self.sig + SEQ.pack(seq) + ciphertext) + ciphertext


class SimulatedKlapDevice:
    """`device` answers the JSON; this front speaks KLAP on HTTP and answers UDP 20002."""

    def __init__(
        self,
        device: SimulatedKasaDevice,
        *,
        username: str,
        password: str,
        login_version: int = 2,
        discovery_port: int = 0,
    ) -> None:
        self.device = device
        self.username = username
        self.password = password
        self.login_version = login_version
        self.http_port = 0
        self.discovery_port = discovery_port
        self.sessions: dict[str, _Session] = {}
        self.handshakes = 0
        self.rejected = 0  # requests refused (no session, bad signature)
        self.wrong_proofs = 0  # the next handshakes answer a proof that does not match
        self._runner: web.AppRunner | None = None
        self._udp: asyncio.DatagramTransport | None = None

    def change_password(self, password: str) -> None:
        """The owner changed the Kasa account password: old sessions end (as after a reboot)."""
        self.password = password
        self.sessions.clear()

    def garble_handshakes(self, count: int = 1) -> None:
        """The next `count` handshakes go wrong (a proof garbled on a lossy link, the strip busy
        rotating its session): the client sees a proof that does not match its account."""
        self.wrong_proofs = count
        self.sessions.clear()

    # ----- HTTP ------------------------------------------------------------------------------

    async def _hang_while_silent(self) -> None:
        """A device that went away: no answer (the client times out) until it is back or the
        simulator stops; then the late request is refused."""
        if not self.device.silent:
            return
        while self.device.silent and self._runner is not None:  # noqa: ASYNC110 - set by tests
            await asyncio.sleep(0.1)
        raise web.HTTPServiceUnavailable

    async def _handshake1(self, request: web.Request) -> web.Response:
        client_seed = await request.read()
        await self._hang_while_silent()
        if len(client_seed) != 16:
            raise web.HTTPBadRequest
        self.handshakes += 1
        session = _Session(
            client_seed,
            secrets.token_bytes(16),
            auth_hash(self.username, self.password, self.login_version),
            self.login_version,
        )
        session_id = secrets.token_hex(16).upper()
        self.sessions[session_id] = session
        proof = session.device_proof()
        if self.wrong_proofs > 0:
            self.wrong_proofs -= 1
            proof = bytes(b ^ 0xFF for b in proof)
        response = web.Response(body=session.device_seed + proof)
        response.set_cookie("TP_SESSIONID", session_id)
        response.set_cookie("TIMEOUT", "86400")
        return response

    def _session(self, request: web.Request) -> _Session | None:
        return self.sessions.get(request.cookies.get("TP_SESSIONID", ""))

    async def _handshake2(self, request: web.Request) -> web.Response:
        proof = await request.read()
        session = self._session(request)
        if session is None or proof != session.expected_client_proof():
            self.rejected += 1
            raise web.HTTPForbidden
        session.confirmed = True
        return web.Response()

    async def _request(self, request: web.Request) -> web.Response:
        body = await request.read()
        await self._hang_while_silent()
        session = self._session(request)
        try:
            seq = int(request.query["seq"])
        except (KeyError, ValueError):
            raise web.HTTPBadRequest from None
        plaintext = session.open(body, seq) if session and session.confirmed else None
        if session is None or plaintext is None:
            self.rejected += 1
            raise web.HTTPForbidden  # python-kasa handshakes again after a 403
        self.device.bytes_in += len(body)
        try:
            decoded = json.loads(plaintext)
        except ValueError:
            raise web.HTTPBadRequest from None
        self.device.requests.append(decoded)
        answer = session.seal(json.dumps(self.device.handle(decoded)).encode(), seq)
        self.device.bytes_out += len(answer)
        return web.Response(body=answer)

    # ----- UDP 20002 -------------------------------------------------------------------------

    def discovery_answer(self) -> bytes:
        info = self.device.sysinfo
        result: dict[str, Any] = {
            "result": {
                "device_id": hashlib.md5(info["deviceId"].encode()).hexdigest(),
                "owner": _md5(self.username.encode()).hex().upper(),
                "device_type": "IOT.SMARTPLUGSWITCH",
                "device_model": info["model"],
                "ip": self.device.host,
                "mac": info["mac"].replace(":", "-"),
                "is_support_iot_cloud": True,
                "obd_src": "tplink",
                "factory_default": False,
                "mgt_encrypt_schm": {
                    "is_support_https": False,
                    "encrypt_type": "KLAP",
                    "http_port": self.http_port,
                    "lv": self.login_version,
                },
            },
            "error_code": 0,
        }
        return discovery_datagram(result)

    # ----- lifecycle -------------------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_post("/app/handshake1", self._handshake1)
        app.router.add_post("/app/handshake2", self._handshake2)
        app.router.add_post("/app/request", self._request)

    async def start(self) -> None:
        app = web.Application()
        self._add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.device.host, self.http_port)
        await site.start()
        self.http_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        loop = asyncio.get_running_loop()
        self._udp, _ = await loop.create_datagram_endpoint(
            lambda: _Discovery20002(self), local_addr=(self.device.host, self.discovery_port)
        )
        self.discovery_port = self._udp.get_extra_info("sockname")[1]

    async def stop(self) -> None:
        if self._udp:
            self._udp.close()
        runner, self._runner = self._runner, None
        if runner:
            await runner.cleanup()

    async def __aenter__(self) -> SimulatedKlapDevice:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class _Discovery20002(asyncio.DatagramProtocol):
    def __init__(self, front: SimulatedKlapDevice) -> None:
        self.front = front
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.front.device.silent or self.transport is None or len(data) < 16:
            return
        self.transport.sendto(self.front.discovery_answer(), addr)
