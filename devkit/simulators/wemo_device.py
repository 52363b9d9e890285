"""A Belkin WeMo (Switch, Insight, Light Switch) on 127.0.0.1 that pywemo accepts unchanged.

HTTP like the device (protocols/wemo.md): setup.xml and service descriptions, SOAP control
(GetBinaryState, SetBinaryState, GetInsightParams), and GENA eventing: SUBSCRIBE (new, renew with
SID, 412 for an unknown SID), UNSUBSCRIBE, an initial NOTIFY after each subscription and a NOTIFY
on every change. The XML follows the shapes of the real devices in captures/wemo.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import datetime as dt
import hashlib
import itertools
import re
import uuid

import aiohttp
from aiohttp import web

from .clock import DeviceClock
from .wemo_rules import BadRulesBody, long_press_targets, unpack_store_body

MODELS = {
    # model: (UDN prefix, deviceType, modelName, has insight service)
    "Switch": ("Socket-1_0", "urn:Belkin:device:controllee:1", "Socket", False),
    "Insight": ("Insight-1_0", "urn:Belkin:device:insight:1", "Insight", True),
    "LightSwitch": ("Lightswitch-1_0", "urn:Belkin:device:lightswitch:1", "LightSwitch", False),
}

SOAP_ACTION = re.compile(r'"?urn:Belkin:service:(?P<service>\w+):1#(?P<action>\w+)"?')
BINARY_STATE = re.compile(r"<BinaryState>(?P<state>\d+)</BinaryState>")


def scpd(actions: list[tuple[str, list[str]]], variables: list[str]) -> str:
    """A service description: its actions (with argument names) and state variables."""
    action_xml = "".join(
        f"<action><name>{name}</name><argumentList>"
        + "".join(
            f"<argument><retval /><name>{arg}</name><relatedStateVariable>{arg}"
            "</relatedStateVariable><direction>out</direction></argument>"
            for arg in args
        )
        + "</argumentList></action>"
        for name, args in actions
    )
    variable_xml = "".join(
        f'<stateVariable sendEvents="yes"><name>{v}</name><dataType>string</dataType>'
        "<defaultValue>0</defaultValue></stateVariable>"
        for v in variables
    )
    return (
        '<?xml version="1.0"?><scpd xmlns="urn:Belkin:service-1-0"><specVersion><major>1</major>'
        f"<minor>0</minor></specVersion><actionList>{action_xml}</actionList>"
        f"<serviceStateTable>{variable_xml}</serviceStateTable></scpd>"
    )


BASICEVENT_SCPD = scpd(
    [("GetBinaryState", ["BinaryState"]), ("SetBinaryState", ["BinaryState"])],
    ["BinaryState"],
)
INSIGHT_SCPD = scpd([("GetInsightParams", ["InsightParams"])], ["InsightParams"])
# Light Switches carry the rules service (where the long-press rule lives); pywemo requires it.
RULES_SCPD = scpd(
    [("FetchRules", ["ruleDbVersion", "ruleDbPath"]), ("StoreRules", ["errorInfo"])],
    ["ruleDbVersion", "ruleDbPath", "ruleDbBody"],
)
# As the captured Insight and Light Switch describe it: TimeSync takes its arguments in.
TIMESYNC_SCPD = (
    '<?xml version="1.0"?><scpd xmlns="urn:Belkin:service-1-0"><specVersion><major>1</major>'
    "<minor>0</minor></specVersion><actionList><action><name>TimeSync</name><argumentList>"
    + "".join(
        f"<argument><name>{arg}</name><relatedStateVariable>{arg}</relatedStateVariable>"
        "<direction>in</direction></argument>"
        for arg in ("UTC", "TimeZone", "dst", "DstSupported")
    )
    + "</argumentList></action><action><name>GetTime</name></action></actionList>"
    "<serviceStateTable>"
    + "".join(
        f'<stateVariable sendEvents="no"><name>{name}</name><dataType>{kind}</dataType>'
        "<defaultValue>0</defaultValue></stateVariable>"
        for name, kind in (("UTC", "long"), ("TimeZone", "int"), ("dst", "Boolean"))
    )
    + "</serviceStateTable></scpd>"
)
TIMESYNC_FIELD = re.compile(r"<(?P<name>UTC|TimeZone|dst|DstSupported)>(?P<value>[^<]*)</")
UDN = re.compile(r"<UDN>(?P<udn>[^<]+)</UDN>")


@dataclass
class Subscriber:
    sid: str
    callback: str
    service: str
    seq: itertools.count = field(default_factory=itertools.count)


class SimulatedWemo:
    """One device. `load_w` drives an Insight's power; `long_press()` sends the event."""

    def __init__(
        self,
        model: str = "Switch",
        serial: str = "221517K0101769",
        port: int = 0,
        host: str = "127.0.0.1",
        clock: DeviceClock | None = None,
    ):
        # The device's own clock: its "today" counters reset at its midnight, and its
        # lastchange and deviceCurrentTime are its seconds (clock.py).
        self.clock = clock or DeviceClock()
        self.clock_requests: list[dict[str, str]] = []  # TimeSync calls received
        self.refuse_time = False  # answer TimeSync with a SOAP fault
        # Each real WeMo has its own address, and pywemo tells devices apart by it (a long
        # press is credited to the subscribed device at the sender's IP): simulators that run
        # side by side use their own loopback address (127.0.0.2, ...).
        self.host = host
        self.model = model
        self.udn_prefix, self.device_type, self.model_name, self.has_insight = MODELS[model]
        self.serial = serial
        # Belkin's OUI, then three bytes of the serial: every simulated device its own MAC
        # (Home Assistant merges devices that share one).
        self.mac = "94103E" + hashlib.sha1(serial.encode()).hexdigest()[:6].upper()
        self.port = port
        self.name = f"WeMo {model}"
        self.state = 0
        self.load_w = 0.0
        self.standby_threshold_w = 8.0
        self.on_since = self.clock.true_timestamp()  # true seconds of the last change
        self.today_mw_min = 0.0
        self.total_mw_min = 0.0
        self.on_total_s = 0.0  # on-time over the usage period: restarts with total_mw_min
        self.used_mw_min = 0.0  # the truth: energy through the relay, across usage restarts
        self.used_reported_mw_min = 0.0  # the truth as of the last InsightParams it sent
        # Used after its last InsightParams and lost with the register (usage cleared, power
        # cut) before any reader could see it.
        self.unseen_mw_min = 0.0
        self.total_glitches: list[float] = []  # bad totalmw values, one per InsightParams
        self.silent = False
        self.powered = True  # False between power_off() and power_on(): nothing is counted
        self.frozen_params: str | None = None  # answer exactly these InsightParams (replays)
        self.accept_subscriptions = True
        self.manufacturer = "Belkin International Inc."
        self.subscribers: dict[str, Subscriber] = {}
        # The rules database (zipped SQLite) and its version; None: never stored (a new switch).
        self.rules_db: bytes | None = None
        self.rules_version = 0
        self.rules_stored = 0
        self.rules_broken = False  # FetchRules/StoreRules answer SOAP faults
        self.long_presses_sent = 0
        self.notifies_sent = 0
        self.soap_calls = 0
        self._runner: web.AppRunner | None = None
        self._pending: set[asyncio.Future] = set()
        self._session: aiohttp.ClientSession | None = None
        self._last_tick = self.clock.true_timestamp()
        self._day = self.clock.today()

    # ----- the device's state --------------------------------------------------------------

    @property
    def udn(self) -> str:
        return f"uuid:{self.udn_prefix}-{self.serial}"

    def binary_state(self) -> int:
        """0 off, 1 on; an Insight that is on but drawing under its threshold reports 8."""
        if self.frozen_params:
            return int(self.frozen_params.split("|")[0])
        if self.state and self.has_insight and self.load_w < self.standby_threshold_w:
            return 8
        return self.state

    def _tick(self) -> None:
        now = self.clock.true_timestamp()
        minutes = max(now - self._last_tick, 0.0) / 60
        self._last_tick = now
        if self.state and self.powered:
            energy = self.load_w * 1000 * minutes
            self.today_mw_min += energy
            self.total_mw_min += energy
            self.used_mw_min += energy
            self.on_total_s += minutes * 60
        if self.clock.today() != self._day:  # the device's own midnight
            self._day = self.clock.today()
            self.today_mw_min = 0.0

    def insight_params(self) -> str:
        """The 11 fields: state|lastchange|onfor|ontoday|ontotal|timeperiod|wifi|currentmw|
        todaymw|totalmw|powerthreshold (energies in mW-minutes)."""
        if self.frozen_params:
            return self.frozen_params
        self._tick()
        self.used_reported_mw_min = self.used_mw_min
        on_for = int(self.clock.true_timestamp() - self.on_since) if self.state else 0
        current_mw = int(self.load_w * 1000) if self.state else 0
        last_change = int(self.on_since + self.clock.error.total_seconds())  # its own seconds
        total = self.total_glitches.pop(0) if self.total_glitches else self.total_mw_min
        return (
            f"{self.binary_state()}|{last_change}|{on_for}|{on_for}|{int(self.on_total_s)}|"
            f"1209600|8|{current_mw}|{int(self.today_mw_min)}|{total:.6f}|"
            f"{int(self.standby_threshold_w * 1000)}"
        )

    async def power_off(self) -> None:
        """The Insight loses power: nothing listens, nothing is counted, and (as after
        "clear usage") its totals and on-time total start again from 0."""
        self.clear_usage()
        self.powered = False
        await self.go_away()

    async def power_on(self) -> None:
        """Power is back on the same port: the relay as it was (its on-time from now), no
        subscribers (they were lost with the reboot)."""
        self._tick()
        self.powered = True
        self.on_since = self.clock.true_timestamp()
        await self.come_back()

    def clear_usage(self) -> None:
        """What "clear usage data" in the app (or a reset) does: totals and on-time from 0."""
        self._tick()
        self.unseen_mw_min += self.used_mw_min - self.used_reported_mw_min
        self.used_reported_mw_min = self.used_mw_min  # accounted for: as if reported, then lost
        self.today_mw_min = self.total_mw_min = self.on_total_s = 0.0

    async def set_load(self, watts: float) -> None:
        self._tick()
        before = self.binary_state()
        self.load_w = watts
        if self.has_insight:
            await self.notify("insight", {"InsightParams": self.insight_params()})
        if self.binary_state() != before:
            await self.notify("basicevent", {"BinaryState": str(self.binary_state())})

    async def press(self, on: bool) -> None:
        """Someone switches the device at the device (or in another app)."""
        await self._switch(int(on))

    async def _switch(self, state: int) -> None:
        self._tick()
        if state != self.state:
            self.state = state
            self.on_since = self.clock.true_timestamp()
        await self.notify("basicevent", {"BinaryState": str(self.binary_state())})
        if self.has_insight:
            await self.notify("insight", {"InsightParams": self.insight_params()})

    async def long_press(self) -> None:
        """A Light Switch held down. It acts on the targets of its long-press rule: for a
        controller's virtual WeMo (pywemo's, served on its event callback port) it sends
        SetBinaryState there. The real switch finds that device by SSDP, which cannot run
        here: the simulator looks for it at its subscribers' callback addresses and checks
        the UDN in its setup.xml."""
        if self.silent:
            return
        targets = long_press_targets(self.rules_db, self.udn)
        assert self._session is not None
        bases = {"/".join(s.callback.split("/", 3)[:3]) for s in self.subscribers.values()}
        for base in sorted(bases):
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._session.get(f"{base}/setup.xml") as response:
                    found = UDN.search(await response.text())
                if not found or found["udn"] not in targets:
                    continue
                body = (
                    '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s='
                    '"http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:SetBinaryState '
                    'xmlns:u="urn:Belkin:service:basicevent:1"><BinaryState>2</BinaryState>'
                    "</u:SetBinaryState></s:Body></s:Envelope>"
                )
                headers = {"SOAPACTION": '"urn:Belkin:service:basicevent:1#SetBinaryState"'}
                async with self._session.post(
                    f"{base}/upnp/control/basicevent1", data=body, headers=headers
                ) as response:
                    await response.read()
                self.long_presses_sent += 1

    # ----- eventing --------------------------------------------------------------------------

    async def notify(
        self, service: str, properties: dict[str, str], only: Subscriber | None = None
    ) -> None:
        if self.silent or self._session is None or self._session.closed:
            return  # switched off, or the simulator is shutting down
        body = (
            '<e:propertyset xmlns:e="urn:schemas-upnp-org:event-1-0">'
            + "".join(f"<e:property><{k}>{v}</{k}></e:property>" for k, v in properties.items())
            + "</e:propertyset>"
        )
        targets = [only] if only else [s for s in self.subscribers.values() if s.service == service]
        for subscriber in targets:
            headers = {
                "NT": "upnp:event",
                "NTS": "upnp:propchange",
                "SID": subscriber.sid,
                "SEQ": str(next(subscriber.seq)),
                "Content-Type": 'text/xml; charset="utf-8"',
            }
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, RuntimeError):
                async with self._session.request(
                    "NOTIFY",
                    subscriber.callback,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=5),
                ) as response:
                    await response.read()
                self.notifies_sent += 1

    # ----- HTTP ------------------------------------------------------------------------------

    def setup_xml(self) -> str:
        services = [
            ("basicevent", "basicevent1", "/eventservice.xml"),
            ("timesync", "timesync1", "/timesyncservice.xml"),
        ]
        if self.has_insight:
            services.append(("insight", "insight1", "/insightservice.xml"))
        if self.model == "LightSwitch":
            services.append(("rules", "rules1", "/rulesservice.xml"))
        service_xml = "".join(
            f"<service><serviceType>urn:Belkin:service:{kind}:1</serviceType>"
            f"<serviceId>urn:Belkin:serviceId:{sid}</serviceId>"
            f"<controlURL>/upnp/control/{sid}</controlURL>"
            f"<eventSubURL>/upnp/event/{sid}</eventSubURL><SCPDURL>{url}</SCPDURL></service>"
            for kind, sid, url in services
        )
        return (
            '<?xml version="1.0"?><root xmlns="urn:Belkin:device-1-0"><specVersion><major>1'
            f"</major><minor>0</minor></specVersion><device><deviceType>{self.device_type}"
            f"</deviceType><friendlyName>{self.name}</friendlyName>"
            f"<manufacturer>{self.manufacturer}</manufacturer>"
            "<manufacturerURL>http://www.belkin.com</manufacturerURL>"
            f"<modelDescription>Belkin Plugin Socket 1.0</modelDescription>"
            f"<modelName>{self.model_name}</modelName><modelNumber>1.0</modelNumber>"
            f"<serialNumber>{self.serial}</serialNumber><UDN>{self.udn}</UDN>"
            f"<macAddress>{self.mac}</macAddress>"
            f"<firmwareVersion>WeMo_WW_2.00.11408.PVT-OWRT-{self.model_name}</firmwareVersion>"
            f"<binaryState>{self.binary_state()}</binaryState>"
            f"<serviceList>{service_xml}</serviceList></device></root>"
        )

    async def _guard(self, request: web.Request) -> None:
        if self.silent:  # a device that went away: the request hangs, then the client gives up
            await asyncio.sleep(30)
            raise web.HTTPServiceUnavailable

    async def _get(self, request: web.Request) -> web.Response:
        await self._guard(request)
        documents = {
            "/setup.xml": self.setup_xml(),
            "/eventservice.xml": BASICEVENT_SCPD,
            "/timesyncservice.xml": TIMESYNC_SCPD,
            "/insightservice.xml": INSIGHT_SCPD if self.has_insight else None,
            "/rulesservice.xml": RULES_SCPD if self.model == "LightSwitch" else None,
        }
        if (document := documents.get(request.path)) is None:
            raise web.HTTPNotFound
        return web.Response(text=document, content_type="text/xml")

    async def _control(self, request: web.Request) -> web.Response:
        await self._guard(request)
        self.soap_calls += 1
        match = SOAP_ACTION.match(request.headers.get("SOAPACTION", ""))
        if not match:
            raise web.HTTPBadRequest
        service, action = match["service"], match["action"]
        body = await request.text()
        if (service, action) == ("basicevent", "GetBinaryState"):
            result = {"BinaryState": str(self.binary_state())}
        elif (service, action) == ("basicevent", "SetBinaryState"):
            requested = BINARY_STATE.search(body)
            if not requested:
                raise web.HTTPBadRequest
            await self._switch(1 if int(requested["state"]) else 0)
            state = str(self.binary_state())
            if self.has_insight:
                # An Insight answers with its first ten InsightParams fields, the last without
                # decimals (as the real one does).
                fields = self.insight_params().split("|")[:10]
                state = "|".join([*fields[:9], fields[9].split(".")[0]])
            result = {
                "BinaryState": state,
                "CountdownEndTime": "0",
                "deviceCurrentTime": str(int(self.clock.timestamp())),
            }
        elif (service, action) == ("timesync", "TimeSync"):
            fields = {m["name"]: m["value"] for m in TIMESYNC_FIELD.finditer(body)}
            self.clock_requests.append(fields)
            try:
                utc = int(fields["UTC"])
                hours = float(fields["TimeZone"]) + int(fields.get("dst") or 0)
            except (KeyError, ValueError):
                return web.Response(status=500, text=soap_fault(), content_type="text/xml")
            if self.refuse_time:
                return web.Response(status=500, text=soap_fault(), content_type="text/xml")
            self._tick()  # energy so far belongs to the old clock's day
            self.clock.set_timestamp(utc)
            self.clock.zone = dt.timezone(dt.timedelta(hours=hours))
            self._day = self.clock.today()
            result = {}
        elif (service, action) == ("insight", "GetInsightParams") and self.has_insight:
            result = {"InsightParams": self.insight_params()}
        elif service == "rules" and self.model == "LightSwitch" and not self.rules_broken:
            if action == "FetchRules":
                result = {
                    "ruleDbVersion": str(self.rules_version),
                    "ruleDbPath": f"http://{self.host}:{self.port}/rules.db",
                }
            elif action == "StoreRules":
                try:
                    self.rules_db = unpack_store_body(body)
                except BadRulesBody:
                    return web.Response(status=500, text=soap_fault(), content_type="text/xml")
                version = re.search(r"<ruleDbVersion>(\d+)</ruleDbVersion>", body)
                self.rules_version = int(version[1]) if version else self.rules_version + 1
                self.rules_stored += 1
                result = {"errorInfo": "Successfull"}
            else:
                return web.Response(status=500, text=soap_fault(), content_type="text/xml")
        else:
            return web.Response(status=500, text=soap_fault(), content_type="text/xml")
        return web.Response(text=soap_response(service, action, result), content_type="text/xml")

    async def _subscribe(self, request: web.Request) -> web.Response:
        await self._guard(request)
        service = request.path.rsplit("/", 1)[-1].removesuffix("1")
        headers = {"TIMEOUT": "Second-300", "SERVER": "Unspecified, UPnP/1.0, Unspecified"}
        if sid := request.headers.get("SID"):
            if sid not in self.subscribers:
                raise web.HTTPPreconditionFailed  # 412: subscribe afresh
            return web.Response(headers={**headers, "SID": sid})
        callback = request.headers.get("CALLBACK", "").strip("<>")
        if not self.accept_subscriptions:
            raise web.HTTPServiceUnavailable
        if not callback.startswith("http://") or request.headers.get("NT") != "upnp:event":
            raise web.HTTPPreconditionFailed
        subscriber = Subscriber(f"uuid:{uuid.uuid4()}", callback, service)
        self.subscribers[subscriber.sid] = subscriber
        # The device announces the current state right after answering (initial NOTIFY).
        properties = (
            {"InsightParams": self.insight_params()}
            if service == "insight"
            else {"BinaryState": str(self.binary_state())}
        )
        # Sent as a task after this answer went out; stop() cancels it if it is still pending.
        task = asyncio.ensure_future(self._initial(subscriber, properties))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return web.Response(headers={**headers, "SID": subscriber.sid})

    async def _initial(self, subscriber: Subscriber, properties: dict[str, str]) -> None:
        await asyncio.sleep(0.05)  # the SUBSCRIBE answer first, as the device does
        await self.notify(subscriber.service, properties, only=subscriber)

    async def _rules_db(self, request: web.Request) -> web.Response:
        await self._guard(request)
        if self.rules_db is None or self.model != "LightSwitch":
            raise web.HTTPNotFound  # no rules stored yet: clients start an empty database
        return web.Response(body=self.rules_db, content_type="application/octet-stream")

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        self.subscribers.pop(request.headers.get("SID", ""), None)
        return web.Response()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{doc:.*\\.xml}", self._get)
        app.router.add_get("/rules.db", self._rules_db)
        app.router.add_post("/upnp/control/{service}", self._control)
        app.router.add_route("SUBSCRIBE", "/upnp/event/{service}", self._subscribe)
        app.router.add_route("UNSUBSCRIBE", "/upnp/event/{service}", self._unsubscribe)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self._server = site._server  # type: ignore[assignment]
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        # NOTIFYs and long presses leave from the device's own address.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(local_addr=(self.host, 0))
        )

    async def _close_listener(self) -> None:
        """Stop accepting first, let connections already accepted attach, then close: closing a
        server while an accept is in flight trips an assertion in Python 3.14's asyncio."""
        server, self._server = getattr(self, "_server", None), None
        if server is not None:
            loop = asyncio.get_running_loop()
            for sock in server.sockets:
                loop.remove_reader(sock.fileno())
            for _ in range(3):
                await asyncio.sleep(0)
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def go_away(self) -> None:
        """Unplugged: nothing listens on its port any more."""
        await self._close_listener()

    async def come_back(self) -> None:
        """Plugged in again, on the same port (subscriptions were lost with the reboot)."""
        self.subscribers.clear()
        session, self._session = self._session, None
        await self.start()
        if session:
            await session.close()

    async def stop(self) -> None:
        for task in list(self._pending):
            task.cancel()
        if self._session:
            await self._session.close()
        await self._close_listener()

    async def __aenter__(self) -> SimulatedWemo:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def soap_response(service: str, action: str, result: dict[str, str]) -> str:
    values = "".join(f"<{k}>{v}</{k}>\r\n" for k, v in result.items())
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>\n'
        f'<u:{action}Response xmlns:u="urn:Belkin:service:{service}:1">\r\n{values}'
        f"</u:{action}Response>\r\n</s:Body> </s:Envelope>"
    )


def soap_fault() -> str:
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>'
        "<faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError "
        'xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>-1</errorCode><errorDescription>'
        "Invalid Action</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>"
    )
