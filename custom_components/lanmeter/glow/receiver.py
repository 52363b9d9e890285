"""The HTTPS receiver for the CAD's /zb02 uploads (aiohttp, no Home Assistant import).

A LAN listener meets everything: slow clients, huge bodies, port scanners, garbage. Each kind of
bad input gets its own status, is counted, and is logged once with what to do about it; nothing a
client sends can raise out of the handler or stop the receiver.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import logging
import re
import ssl
import time

from aiohttp import web

from .readings import GlowReading
from .tariff import Tariff, TariffError, decode_tariff, is_tariff_text
from .zigbee import GlowPayloadError, decode_upload

_LOGGER = logging.getLogger(__name__)

PATH = "/zb02"
BODY_LIMIT = 64 * 1024  # a real upload is ~1 KiB
READ_TIMEOUT_S = 10
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
    "no_id": (400, "an upload without a valid X-ID header was refused"),
    "bad_json": (400, "an upload whose body is not JSON was refused"),
    "not_an_upload": (400, "a JSON body without elecMtr/gasMtr/pan was refused"),
    "bad_tariff": (400, "a tariff text that could not be decoded was refused"),
    "forbidden": (403, "an upload from a CAD that is not on the allow-list was refused"),
}


@dataclass(frozen=True)
class Upload:
    """One accepted upload: a reading or a tariff, from one CAD."""

    device_id: str
    reading: GlowReading | None = None
    tariff: Tariff | None = None


# The integration's answer to an upload: True to accept, False to refuse (403, not allowed).
UploadHandler = Callable[[Upload], bool]


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
        self.counters: Counter[str] = Counter()
        self._logged: set[str] = set()
        self._tariff_asked: dict[str, float] = {}
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; raises OSError (port busy, permission denied) for the caller to report."""
        app = web.Application(client_max_size=BODY_LIMIT)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # lingering_time: after refusing a body, wait at most 1 s (not aiohttp's 10 s) for its rest.
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, keepalive_timeout=75, lingering_time=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=self._ssl, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        if self.port == 0:  # tests ask for any free port
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    def _refuse(self, kind: str, detail: str = "") -> web.Response:
        status, explanation = REFUSALS[kind]
        self.counters[kind] += 1
        if kind not in self._logged:
            self._logged.add(kind)
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
        try:
            return await self._handle_upload(request)
        except Exception:  # a receiver on the LAN must survive anything a client sends
            self.counters["internal_error"] += 1
            _LOGGER.exception("Glow receiver: unexpected error handling %s", request.path)
            return web.Response(status=500, text="500")

    async def _handle_upload(self, request: web.Request) -> web.Response:
        if request.path != PATH:
            return self._refuse("not_found", request.path[:80])
        if request.method != "POST":
            return self._refuse("method", request.method)
        if request.content_length is not None and request.content_length > BODY_LIMIT:
            return self._refuse("too_large")
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

        received = datetime.now(UTC)
        if is_tariff_text(body):
            try:
                upload = Upload(device_id, tariff=decode_tariff(body.decode("ascii", "replace")))
            except TariffError as err:
                return self._refuse("bad_tariff", str(err))
        else:
            try:
                decoded = json.loads(body)
            except ValueError:
                return self._refuse("bad_json")
            try:
                upload = Upload(device_id, reading=decode_upload(decoded, received))
            except GlowPayloadError as err:
                return self._refuse("not_an_upload", str(err))
        if not self._handler(upload):
            return self._refuse("forbidden", device_id)
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
