"""The HTTPS receiver for the CAD's /zb02 uploads (aiohttp, no Home Assistant import).

A LAN listener meets everything: slow clients, huge bodies, port scanners, garbage. Each kind of
bad input gets its own status, is counted, and is logged once with what to do about it; nothing a
client sends can raise out of the handler or stop the receiver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import errno
import json
import logging
import re
import ssl
import time

from aiohttp import web

from ..problems import Problems
from .readings import GlowReading
from .tariff import Tariff, TariffError, decode_tariff, is_tariff_text
from .zigbee import GlowPayloadError, GlowValueError, decode_upload

_LOGGER = logging.getLogger(__name__)


class ListenPortError(OSError):
    """The receiver cannot listen on its address and port."""


class PortDenied(ListenPortError):
    """Listening there needs privileges Home Assistant usually lacks (ports below 1024)."""


class PortInUse(ListenPortError):
    """Something else listens there already (or the address is not this machine's)."""


def _port_error(err: OSError) -> ListenPortError:
    kind = PortDenied if err.errno in (errno.EACCES, errno.EPERM) else PortInUse
    return kind(err.errno, err.strerror)


async def check_port(host: str | None, port: int) -> None:
    """Raises PortDenied or PortInUse when a receiver could not listen there now."""
    try:
        server = await asyncio.start_server(lambda r, w: None, host, port)
    except OSError as err:
        raise _port_error(err) from err
    server.close()
    await server.wait_closed()


PATH = "/zb02"
BODY_LIMIT = 64 * 1024  # a real upload is ~1 KiB; the limit holds on the bytes received
READ_TIMEOUT_S = 10
HEAD_TIMEOUT_S = 10  # TLS handshake, then each request head, must arrive within this
KEEPALIVE_S = 15  # an idle keep-alive connection is closed after this
MAX_CONNECTIONS = 16  # a CAD needs one; a few more for retries and the user's own checks
TARIFF_EVERY_S = 600  # ask each CAD for its tariff (answer CURPRICE) this often
# The CAD's own content type is not documented: accept the ones a small HTTP client may send.
ALLOWED_TYPES = {
    "",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
}
DEVICE_ID = re.compile(r"^[A-Za-z0-9:._-]{1,64}$")

# Why an upload was refused: (HTTP status, what to tell the user in the log).
REFUSALS = {
    "not_found": (
        404,
        "a client asked for a path other than /zb02 (a scanner, or a misdirected app)",
    ),
    "method": (405, "a client sent something other than POST to /zb02"),
    "too_large": (413, f"a body over {BODY_LIMIT} bytes was refused"),
    "timeout": (408, f"a client took over {READ_TIMEOUT_S} s to send its body and was dropped"),
    "content_type": (415, "a body of an unexpected content type was refused"),
    "content_encoding": (415, "a compressed body was refused (the CAD sends plain bodies)"),
    "no_id": (400, "an upload without a valid X-ID header was refused"),
    "bad_json": (400, "an upload whose body is not JSON (or nested too deeply) was refused"),
    "not_an_upload": (400, "a JSON body without elecMtr/gasMtr/pan was refused"),
    "bad_value": (400, "an upload with an attribute no CAD sends (malformed or oversized)"),
    "bad_tariff": (400, "a tariff text that could not be decoded was refused"),
    "forbidden": (
        403,
        "an upload from a CAD this receiver has not adopted was refused; confirm it under "
        "Settings -> Devices & services (Discovered) if it is yours",
    ),
    "implausible": (
        422,
        "an upload with a meter register no home's meter can read (above 100 GWh) was refused",
    ),
}
# Connection-level problems: counted and logged once, the connection is closed.
CONNECTION_PROBLEMS = {
    "head_timeout": f"a client sent no complete request within {HEAD_TIMEOUT_S} s",
    "too_many_connections": f"more than {MAX_CONNECTIONS} connections at once; one was refused",
}


@dataclass(frozen=True)
class Upload:
    """One accepted upload: a reading or a tariff, from one CAD."""

    device_id: str
    reading: GlowReading | None = None
    tariff: Tariff | None = None


class UploadRefused(Exception):
    """A body that is not an upload: `kind` is a key of REFUSALS."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


def parse_upload(device_id: str, body: bytes, received: datetime) -> Upload:
    """A /zb02 body as an Upload (a reading or a tariff); UploadRefused for anything else.
    Pure: the fuzz tests drive it with arbitrary bytes."""
    if is_tariff_text(body):
        try:
            return Upload(device_id, tariff=decode_tariff(body.decode("ascii", "replace")))
        except TariffError as err:
            raise UploadRefused("bad_tariff", str(err)) from err
    try:
        decoded = json.loads(body)
    except (ValueError, RecursionError) as err:
        raise UploadRefused("bad_json") from err
    try:
        return Upload(device_id, reading=decode_upload(decoded, received))
    except GlowValueError as err:
        raise UploadRefused("bad_value", str(err)) from err
    except GlowPayloadError as err:
        raise UploadRefused("not_an_upload", str(err)) from err


# The integration's answer to an upload: None to accept it, or the REFUSALS kind to answer.
UploadHandler = Callable[[Upload], str | None]


class _Guarded(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind the receiver's connection cap and its
    request-head deadline (aiohttp itself waits forever for a first request)."""

    def __init__(self, receiver: Zb02Receiver, inner: asyncio.Protocol) -> None:
        self._receiver = receiver
        self._inner = inner
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._receiver._admit(transport):
            transport.abort()  # type: ignore[attr-defined]
            return
        self._transport = transport
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._transport else None

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._receiver._release(self._transport)
            self._inner.connection_lost(exc)


class Zb02Receiver:
    """Serves POST /zb02 over TLS on one port."""

    def __init__(
        self,
        host: str | None,
        port: int,
        ssl_context: ssl.SSLContext | None,
        handler: UploadHandler,
    ) -> None:
        self.host = host
        self.port = port
        self._ssl = ssl_context
        self._handler = handler
        self.problems = Problems()
        self.counters = self.problems.counts  # what was refused or accepted, per kind
        self._tariff_asked: dict[str, float] = {}
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self._deadlines: dict[asyncio.BaseTransport, asyncio.TimerHandle] = {}

    async def start(self) -> None:
        """Listen; raises PortInUse or PortDenied for the caller to report."""
        app = web.Application(client_max_size=BODY_LIMIT)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # lingering_time: after refusing a body, wait at most 1 s (not aiohttp's 10 s) for its rest.
        # auto_decompress off: a small gzip body must not inflate to megabytes on the event loop.
        runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            keepalive_timeout=KEEPALIVE_S,
            lingering_time=1.0,
            auto_decompress=False,
        )
        await runner.setup()
        handler = runner.server
        assert handler is not None
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                lambda: _Guarded(self, handler()),
                self.host,
                self.port,
                ssl=self._ssl,
                ssl_handshake_timeout=HEAD_TIMEOUT_S if self._ssl else None,
                reuse_address=True,
            )
        except OSError as err:
            await runner.cleanup()
            raise _port_error(err) from err
        self._runner = runner
        if self.port == 0:  # tests ask for any free port
            self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            self._server = None
        for deadline in self._deadlines.values():
            deadline.cancel()
        self._deadlines.clear()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    @property
    def connections(self) -> int:
        return len(self._deadlines)

    def _admit(self, transport: asyncio.BaseTransport) -> bool:
        if len(self._deadlines) >= MAX_CONNECTIONS:
            self._problem("too_many_connections")
            return False
        self._arm(transport, HEAD_TIMEOUT_S)
        return True

    def _arm(self, transport: asyncio.BaseTransport, seconds: float) -> None:
        if (old := self._deadlines.get(transport)) is not None:
            old.cancel()
        self._deadlines[transport] = asyncio.get_running_loop().call_later(
            seconds, self._expire, transport
        )

    def _release(self, transport: asyncio.BaseTransport) -> None:
        if (deadline := self._deadlines.pop(transport, None)) is not None:
            deadline.cancel()

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        self._deadlines.pop(transport, None)
        self._problem("head_timeout")
        transport.abort()  # type: ignore[attr-defined]

    def _problem(self, kind: str) -> None:
        if self.problems.count(kind):
            _LOGGER.warning(
                "Glow receiver on port %s: %s (logged once; counts are in diagnostics)",
                self.port,
                CONNECTION_PROBLEMS[kind],
            )

    def _refuse(self, kind: str, detail: str = "") -> web.Response:
        status, explanation = REFUSALS[kind]
        if self.problems.count(kind):
            _LOGGER.warning(
                "Glow receiver on port %s: %s%s (logged once; counts are in diagnostics)",
                self.port,
                explanation,
                f": {detail}" if detail else "",
            )
        response = web.Response(status=status, text=str(status))
        if kind in ("timeout", "too_large"):
            # The rest of the body may never come (or is not wanted): end the connection.
            response.force_close()
        return response

    async def _handle(self, request: web.Request) -> web.Response:
        transport = request.transport
        if transport is not None:
            # The head is in: no deadline while the body comes (it has its own timeout).
            self._release(transport)
        try:
            return await self._handle_upload(request)
        except Exception:  # a receiver on the LAN must survive anything a client sends
            self.counters["internal_error"] += 1
            _LOGGER.exception("Glow receiver: unexpected error handling %s", request.path)
            return web.Response(status=500, text="500")
        finally:
            if transport is not None and not transport.is_closing():
                # The next request on this keep-alive connection has the same deadline.
                self._arm(transport, KEEPALIVE_S + HEAD_TIMEOUT_S)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        if request.path != PATH:
            return self._refuse("not_found", request.path[:80])
        if request.method != "POST":
            return self._refuse("method", request.method)
        if request.content_length is not None and request.content_length > BODY_LIMIT:
            return self._refuse("too_large")
        encoding = request.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in ("", "identity"):
            return self._refuse("content_encoding", encoding[:40])
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in ALLOWED_TYPES:
            return self._refuse("content_type", content_type[:60])
        device_id = request.headers.get("X-ID", "").strip()
        if not DEVICE_ID.match(device_id):
            return self._refuse("no_id")
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                body = await request.read()  # whole body; over client_max_size raises 413
        except TimeoutError:
            return self._refuse("timeout")
        except web.HTTPRequestEntityTooLarge:
            return self._refuse("too_large")

        try:
            upload = parse_upload(device_id, body, datetime.now(UTC))
        except UploadRefused as refused:
            return self._refuse(refused.kind, refused.detail)
        if (refusal := self._handler(upload)) is not None:
            return self._refuse(refusal, device_id)
        self.counters["accepted_tariff" if upload.tariff else "accepted"] += 1
        return web.Response(text=self._answer(device_id, upload))

    def _answer(self, device_id: str, upload: Upload) -> str:
        """`200`, or `CURPRICE` to ask this CAD for its tariff when it is due."""
        now = time.monotonic()
        if upload.tariff is not None:
            self._tariff_asked[device_id] = now
            return "200"
        asked = self._tariff_asked.get(device_id)
        if asked is None or now - asked >= TARIFF_EVERY_S:
            self._tariff_asked[device_id] = now
            self.counters["curprice_sent"] += 1
            return "CURPRICE"
        return "200"
