"""A TP-Link SMART plug or strip (KP125M, EP25, Tapo P110/P115, P304M) on 127.0.0.1.

It answers like the recordings in ../shared/captures/kasa_smart (python-kasa's fixture format:
one answer per method, a strip's outlets under `child_devices`), read at start, never copied:
- SMART JSON: `{"method", "params"}` in, `{"error_code", "result"}` out; `multipleRequest`
  batches; `control_child` carries a request to one outlet of a strip.
- Transports, written from the public descriptions (not python-kasa's classes, so tests check
  the client against an independent peer): KLAP v1/v2 (kasa_klap.py's session), and AES: POST
  /app `handshake` with the client's RSA key -> AES key and IV sealed with it (PKCS#1 v1.5) and
  a TP_SESSIONID cookie; then `securePassthrough` (AES-128-CBC, base64) carrying first
  `login_device` (username sha1-hex base64; password base64, or sha1-hex base64 as `password2`
  for login version 2) -> a token, then requests to /app?token=...
- UDP 20002: the capture's discovery answer, with this simulator's address, port and
  encryption (KLAP, AES, or anything else to play a firmware that moved on, such as TPAP).

Energy: each outlet integrates its load over the test's clock into hours of the plug's own wall
clock; `today_energy`, `month_energy` and get_energy_data's hours, days and months are sums of
those hours, so the plug's midnight and month start reset them exactly as a real plug's do.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
import copy
import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path
import random
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .clock import DeviceClock
from .kasa_klap import SimulatedKlapDevice, discovery_datagram

CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "captures" / "kasa_smart"
UNKNOWN_METHOD = -1002
LOGIN_ERROR = -1501
SESSION_EXPIRED = 9999
HOUR = dt.timedelta(hours=1)


def capture_path(name: str) -> Path:
    """A capture by its model prefix ("P110", "KP125M", ...)."""
    for path in sorted(CAPTURES.glob("*.json")):
        if path.name.startswith(name):
            return path
    raise FileNotFoundError(f"no capture starting {name!r} in {CAPTURES}")


@dataclasses.dataclass
class SmartOutlet:
    """A relay with its meter: energy by the plug's wall-clock hour (naive hour starts)."""

    device_id: str | None
    info: dict[str, Any]  # its get_device_info (a plug's own, or the strip's child entry)
    answers: dict[str, Any]  # its other recorded answers
    on: bool
    load_w: float = 0.0
    hours_wh: dict[dt.datetime, float] = dataclasses.field(default_factory=dict)
    used_wh: float = 0.0  # the truth, for tests
    switched_at: float = 0.0
    current_ma: float | None = None  # recorded, until the load changes

    def power_w(self) -> float:
        return self.load_w if self.on else 0.0


def _hour(wall: dt.datetime) -> dt.datetime:
    return wall.replace(minute=0, second=0, microsecond=0, tzinfo=None)


class SmartModel:
    """What the plug knows and answers (the fronts carry its JSON)."""

    def __init__(self, capture: dict[str, Any], *, host: str, clock: DeviceClock) -> None:
        self.capture = capture
        self.host = host
        self.clock = clock
        self.info = copy.deepcopy(capture["get_device_info"])
        self.led_on = bool(capture.get("get_led_info", {}).get("led_status", True))
        self.silent = False
        self.powered = True
        self.requests: list[dict[str, Any]] = []
        self.bytes_in = 0
        self.bytes_out = 0
        self.faults: list[str] = []  # consumed one per energy answer: "glitch", "error"
        self.refuse_time = False
        # Benchmarks: the power an outlet reports, from (slot, true unix seconds) (energy still
        # integrates the load).
        self.load_fn: Callable[[int, float], float] | None = None
        self.outlets: list[SmartOutlet] = []
        # The cloud as the plug reports it (0: connected, python-kasa's reading) and its
        # firmware auto-update setting; tests and the demo change them.
        self.cloud_status = int(capture.get("get_connect_cloud_state", {}).get("status", 1))
        self.auto_update = bool(capture.get("get_auto_update_info", {}).get("enable", True))
        self._last_tick = clock.true_timestamp()
        self._rng = random.Random(self.info.get("mac", "plug"))
        self._zone_from(
            self.info.get("region"), capture.get("get_device_time", {}).get("time_diff")
        )
        children = capture.get("child_devices")
        if children:
            listed = capture["get_child_device_list"]["child_device_list"]
            for entry in sorted(listed, key=lambda child: child.get("position", 0)):
                recorded = children[entry["device_id"]]
                self.outlets.append(
                    self._outlet(entry["device_id"], copy.deepcopy(entry), recorded)
                )
        else:
            self.outlets.append(self._outlet(None, self.info, capture))

    def _outlet(
        self, device_id: str | None, info: dict[str, Any], answers: dict[str, Any]
    ) -> SmartOutlet:
        usage = answers.get("get_energy_usage") or {}
        emeter = answers.get("get_emeter_data") or {}
        if "power_mw" in emeter:
            load = emeter["power_mw"] / 1000
        elif usage.get("current_power") is not None:
            load = usage["current_power"] / 1000
        else:
            load = float((answers.get("get_current_power") or {}).get("current_power", 0))
        outlet = SmartOutlet(
            device_id, info, answers, bool(info.get("device_on")), load_w=load,
            current_ma=emeter.get("current_ma"),
        )  # fmt: skip
        outlet.switched_at = self.clock.true_timestamp() - float(info.get("on_time") or 0)
        self._seed(outlet, float(usage.get("today_energy", 0)), float(usage.get("month_energy", 0)))
        return outlet

    def _zone_from(self, region: Any, diff: Any) -> None:
        zone: dt.tzinfo | None = None
        if isinstance(region, str):
            try:
                zone = ZoneInfo(region)
            except (ValueError, KeyError):
                zone = None
        if zone is None and isinstance(diff, int):
            zone = dt.timezone(dt.timedelta(minutes=diff))
        if zone is not None and self.clock.zone is None:
            self.clock.zone = zone

    @property
    def mac(self) -> str:
        return str(self.info.get("mac", "")).replace("-", ":")

    # ----- energy ----------------------------------------------------------------------------

    def wall(self) -> dt.datetime:
        """The plug's wall clock (naive)."""
        return self.clock.now().replace(tzinfo=None)

    def _seed(self, outlet: SmartOutlet, today_wh: float, month_wh: float) -> None:
        """The recorded counts, as hours before now: today's over today's hours so far, the
        rest of the month's over its earlier days (lost on the 1st, as the count would be)."""
        now = self.wall()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        today_hours = max(1, int((now - midnight) / HOUR) + 1)
        for n in range(today_hours):
            outlet.hours_wh[midnight + n * HOUR] = today_wh / today_hours
        earlier_days = now.day - 1
        for day in range(earlier_days):
            start = midnight.replace(day=day + 1)
            for n in range(24):
                outlet.hours_wh[start + n * HOUR] = (month_wh - today_wh) / earlier_days / 24

    def with_history(self, days: int = 120, seed: int = 0) -> SmartModel:
        """`days` of plausible use before today (a daily shape: evenings busy), replacing the
        recorded month's even spread."""
        rng = random.Random(f"{self.info.get('mac')}-{seed}")
        midnight = self.wall().replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight - dt.timedelta(days=days)
        for outlet in self.outlets:
            typical = rng.uniform(10, 60)
            hour = start
            while hour < midnight:
                shape = 2.5 if 17 <= hour.hour <= 22 else (0.5 if hour.hour < 6 else 1.0)
                outlet.hours_wh[hour] = round(typical * shape * rng.uniform(0.3, 1.7), 1)
                hour += HOUR
        return self

    def _tick(self) -> None:
        now = self.clock.true_timestamp()
        seconds = max(now - self._last_tick, 0.0)
        self._last_tick = now
        if not self.powered or seconds <= 0:
            return
        # Spread over the plug's wall-clock hours the time covered.
        end = self.wall()
        start = end - dt.timedelta(seconds=seconds)
        for outlet in self.outlets:
            watts = outlet.power_w()
            outlet.used_wh += watts * seconds / 3600
            at = start
            while at < end:
                boundary = min(_hour(at) + HOUR, end)
                outlet.hours_wh[_hour(at)] = outlet.hours_wh.get(_hour(at), 0.0) + watts * (
                    (boundary - at).total_seconds() / 3600
                )
                at = boundary

    def set_load(self, slot: int, watts: float) -> None:
        self._tick()
        self.outlets[slot].load_w = watts
        self.outlets[slot].current_ma = None

    def power_off(self) -> None:
        """The house loses power: nothing answers and nothing is counted (the plug keeps its
        counts in flash)."""
        self._tick()
        self.powered = False
        self.silent = True

    def power_on(self) -> None:
        self._tick()
        self.powered = self.silent = False
        self.powered = True
        for outlet in self.outlets:
            if outlet.on:
                outlet.switched_at = self.clock.true_timestamp()

    def _between(self, outlet: SmartOutlet, start: dt.datetime, end: dt.datetime) -> float:
        return sum(wh for hour, wh in outlet.hours_wh.items() if start <= hour < end)

    def today_wh(self, outlet: SmartOutlet) -> float:
        midnight = self.wall().replace(hour=0, minute=0, second=0, microsecond=0)
        return self._between(outlet, midnight, midnight + dt.timedelta(days=1))

    def month_wh(self, outlet: SmartOutlet) -> float:
        first = self.wall().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return self._between(outlet, first, self.wall() + HOUR)

    # ----- answers ---------------------------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """One SMART request (from a front) -> its envelope."""
        self._tick()
        return self._call(request, None)

    def _call(self, request: dict[str, Any], outlet: SmartOutlet | None) -> dict[str, Any]:
        method = request.get("method")
        params = request.get("params") or {}
        if method == "multipleRequest":
            responses = []
            for item in params.get("requests", []):
                answer = self._call(item, outlet)
                responses.append({"method": item.get("method")} | answer)
            return {"error_code": 0, "result": {"responses": responses}}
        if method == "control_child":
            child = next((o for o in self.outlets if o.device_id == params.get("device_id")), None)
            if child is None or child.device_id is None:
                return {"error_code": -1001}
            inner = self._call(params.get("requestData") or {}, child)
            return {"error_code": 0, "result": {"responseData": inner}}
        try:
            result = self._method(str(method), params, outlet or self.outlets[0], outlet)
        except _Refused as err:
            return {"error_code": err.code}
        return {"error_code": 0, "result": result}

    def _method(
        self,
        method: str,
        params: dict[str, Any],
        outlet: SmartOutlet,
        child: SmartOutlet | None,
    ) -> Any:
        answers = child.answers if child is not None else self.capture
        strip = self.outlets[0].device_id is not None
        if method == "get_device_info":
            if child is not None or not strip:
                return self._outlet_info(outlet, child is not None)
            return dict(self.info)
        if method == "set_device_info":
            if "device_on" in params and (child is not None or not strip):
                self._tick()
                outlet.on = bool(params["device_on"])
                outlet.switched_at = self.clock.true_timestamp()
            return {}
        if method == "get_child_device_list" and strip:
            listed = [self._outlet_info(o, True) for o in self.outlets]
            return {"child_device_list": listed, "start_index": 0, "sum": len(listed)}
        if method == "get_device_time":
            return self._time()
        if method == "set_device_time":
            if self.refuse_time:
                raise _Refused(-1)
            self._set_time(params)
            return {}
        if method == "get_led_info" and "get_led_info" in self.capture:
            return dict(self.capture["get_led_info"]) | {
                "led_status": self.led_on,
                "led_rule": "always" if self.led_on else "never",
            }
        if method == "get_connect_cloud_state" and child is None:
            return {"status": self.cloud_status}
        if method == "get_auto_update_info" and "get_auto_update_info" in self.capture:
            return dict(self.capture["get_auto_update_info"]) | {"enable": self.auto_update}
        if method == "set_auto_update_info" and "get_auto_update_info" in self.capture:
            self.auto_update = bool(params.get("enable"))
            return {}
        if method == "set_led_info":
            self.led_on = params.get("led_rule", "always") != "never"
            return {}
        if method in ("get_energy_usage", "get_current_power") and answers.get(method):
            return self._energy(method, outlet, answers[method])
        if method in ("get_emeter_data", "get_emeter_vgain_igain") and self._metered_v2():
            # Firmware with energy_monitoring v2 answers these (python-kasa asks them of every
            # such plug); captures made before python-kasa asked lack them.
            if method == "get_emeter_vgain_igain":
                return answers.get(method) or {"igain": 11613, "vgain": 118657}
            return self._energy(method, outlet, answers.get(method) or self._emeter_default())
        if method == "get_energy_data" and "get_energy_usage" in answers:
            return self._energy_data(outlet, params)
        if method.startswith("get_") and method in answers:
            return copy.deepcopy(answers[method])
        if method == "component_nego" and "component_nego" in answers:
            return copy.deepcopy(answers["component_nego"])
        raise _Refused(UNKNOWN_METHOD)

    def _metered_v2(self) -> bool:
        listed = self.capture.get("component_nego", {}).get("component_list", [])
        return any(c.get("id") == "energy_monitoring" and c.get("ver_code", 1) >= 2 for c in listed)

    def _emeter_default(self) -> dict[str, Any]:
        """Mains voltage of the plug's region (its model's suffix says it)."""
        model = str(self.capture["discovery_result"]["result"].get("device_model", ""))
        return {"voltage_mv": 120000 if "(US)" in model else 230000}

    def _outlet_info(self, outlet: SmartOutlet, child: bool) -> dict[str, Any]:
        info = dict(outlet.info)
        info["device_on"] = outlet.on
        info["on_time"] = int(self.clock.true_timestamp() - outlet.switched_at) if outlet.on else 0
        return info

    def _energy(self, method: str, outlet: SmartOutlet, recorded: dict[str, Any]) -> Any:
        fault = self.faults.pop(0) if self.faults and method == "get_energy_usage" else None
        if fault == "error":
            raise _Refused(-1)
        power_w = outlet.power_w()
        if self.load_fn is not None and outlet.on:
            power_w = self.load_fn(self.outlets.index(outlet), self.clock.true_timestamp())
        month = round(self.month_wh(outlet))
        if method == "get_current_power":
            return {"current_power": round(power_w)}
        if method == "get_emeter_data":
            voltage = recorded.get("voltage_mv", 120000)
            current = outlet.current_ma
            if current is None:
                current = round(power_w * 1000 / (voltage / 1000)) if voltage else 0
            return {
                "current_ma": current,
                "energy_wh": month,
                "power_mw": round(power_w * 1000),
                "voltage_mv": voltage,
            }
        answer = dict(recorded)
        answer["today_energy"] = round(self.today_wh(outlet))
        answer["month_energy"] = month
        answer["local_time"] = self.wall().strftime("%Y-%m-%d %H:%M:%S")
        if "current_power" in recorded:
            answer["current_power"] = round(power_w * 1000)
        if fault == "glitch":
            answer["month_energy"] = self._rng.choice([0, month * 7 + 12345])
        return answer

    def _local_date(self, unix_s: Any) -> dt.datetime:
        offset = self.clock.now().utcoffset() or dt.timedelta(0)
        return dt.datetime.fromtimestamp(float(unix_s), dt.UTC).replace(tzinfo=None) + offset

    def _energy_data(self, outlet: SmartOutlet, params: dict[str, Any]) -> dict[str, Any]:
        try:
            start = self._local_date(params["start_timestamp"])
            end = self._local_date(params["end_timestamp"])
            interval = int(params["interval"])
        except (KeyError, TypeError, ValueError) as err:
            raise _Refused(-1008) from err
        now = self.wall()
        data: list[int] = []
        if interval == 60:  # hours, kept about a week
            hour, kept_from = _hour(start), _hour(now) - dt.timedelta(days=8)
            while hour <= min(end, now):
                kept = hour >= kept_from
                data.append(round(outlet.hours_wh.get(hour, 0.0)) if kept else 0)
                hour += HOUR
        elif interval == 1440:  # days of the quarter the start is in
            day = start.replace(hour=0, minute=0, second=0, microsecond=0)
            quarter_end_month = 3 * ((day.month - 1) // 3) + 3
            while day.month <= quarter_end_month and day.year == start.year and day <= now:
                data.append(round(self._between(outlet, day, day + dt.timedelta(days=1))))
                day += dt.timedelta(days=1)
        elif interval == 43200:  # months of the year
            for month in range(1, 13):
                first = dt.datetime(start.year, month, 1)
                if first > now:
                    break
                following = dt.datetime(start.year + month // 12, month % 12 + 1, 1)
                data.append(round(self._between(outlet, first, following)))
        else:
            raise _Refused(-1008)
        return {
            "data": data,
            "start_timestamp": params["start_timestamp"],
            "end_timestamp": params["end_timestamp"],
            "interval": interval,
            "local_time": now.strftime("%Y-%m-%d %H:%M:%S"),
        }

    def _time(self) -> dict[str, Any]:
        now = self.clock.now()
        offset = now.utcoffset() or dt.timedelta(0)
        region = getattr(self.clock.zone, "key", None) or self.info.get("region", "UTC")
        return {
            "timestamp": int(self.clock.timestamp()),
            "time_diff": int(offset.total_seconds() // 60),
            "region": region,
        }

    def _set_time(self, params: dict[str, Any]) -> None:
        region, diff = params.get("region"), params.get("time_diff")
        self.clock.zone = None
        self._zone_from(region, diff)
        self._tick()
        self.clock.set_timestamp(float(params["timestamp"]))
        self._last_tick = self.clock.true_timestamp()


class _Refused(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _AesSession:
    def __init__(self) -> None:
        self.key, self.iv = secrets.token_bytes(16), secrets.token_bytes(16)
        self.token: str | None = None

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.iv))

    def open(self, text: str) -> bytes:
        decryptor = self._cipher().decryptor()
        padded = decryptor.update(base64.b64decode(text)) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()

    def seal(self, plaintext: bytes) -> str:
        padder = padding.PKCS7(128).padder()
        encryptor = self._cipher().encryptor()
        sealed = encryptor.update(padder.update(plaintext) + padder.finalize())
        return base64.b64encode(sealed + encryptor.finalize()).decode()


def _sha1_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha1(text.encode()).hexdigest().encode()).decode()


class SimulatedSmartDevice(SimulatedKlapDevice):
    """A SMART plug or strip from a capture: KLAP and AES on one HTTP port, and UDP 20002
    announcing `encryption` (what the capture says, unless told otherwise)."""

    def __init__(
        self,
        capture: str | Path | dict[str, Any],
        *,
        username: str,
        password: str,
        encryption: str | None = None,
        login_version: int | None = None,
        host: str = "127.0.0.1",
        clock: DeviceClock | None = None,
        mac: str | None = None,
        discovery_port: int = 0,
    ) -> None:
        if isinstance(capture, str):
            capture = capture_path(capture)
        if isinstance(capture, Path):
            capture = json.loads(capture.read_text())
        assert isinstance(capture, dict)
        capture = copy.deepcopy(capture)
        if mac is not None:  # another plug of the model: its own address and identity
            capture["get_device_info"]["mac"] = mac.replace(":", "-")
            device_id = hashlib.sha1(mac.encode()).hexdigest().upper()
            capture["get_device_info"]["device_id"] = device_id
            capture["discovery_result"]["result"]["device_id"] = device_id[:32]
        scheme = capture["discovery_result"]["result"]["mgt_encrypt_schm"]
        self.encryption = encryption or scheme["encrypt_type"]
        self.model = SmartModel(capture, host=host, clock=clock or DeviceClock())
        super().__init__(
            self.model,  # type: ignore[arg-type]
            username=username,
            password=password,
            login_version=login_version or int(scheme.get("lv", 2)),
            discovery_port=discovery_port,
        )
        self.aes_sessions: dict[str, _AesSession] = {}

    @property
    def outlets(self) -> list[SmartOutlet]:
        return self.model.outlets

    @property
    def host(self) -> str:
        return self.model.host

    @property
    def mac(self) -> str:
        return str(self.model.info["mac"]).replace("-", ":")

    def name(self, alias: str, outlets: list[str] | None = None) -> SimulatedSmartDevice:
        """Name the plug (and a strip's outlets) as the owner did in the app."""
        self.model.info["nickname"] = base64.b64encode(alias.encode()).decode()
        for outlet, outlet_alias in zip(self.outlets, outlets or [], strict=False):
            outlet.info["nickname"] = base64.b64encode(outlet_alias.encode()).decode()
        return self

    def change_password(self, password: str) -> None:
        super().change_password(password)
        self.aes_sessions.clear()

    def discovery_answer(self) -> bytes:
        answer = copy.deepcopy(self.model.capture["discovery_result"])
        result = answer["result"]
        result["ip"] = self.model.host
        result["mac"] = str(self.model.info["mac"])
        result["mgt_encrypt_schm"] |= {
            "encrypt_type": self.encryption,
            "http_port": self.http_port,
            "lv": self.login_version,
        }
        return discovery_datagram(answer)

    def _add_routes(self, app: web.Application) -> None:
        if self.encryption == "KLAP":
            super()._add_routes(app)
        elif self.encryption == "AES":
            app.router.add_post("/app", self._aes)

    # ----- AES -------------------------------------------------------------------------------

    async def _aes(self, request: web.Request) -> web.Response:
        body = await request.read()
        await self._hang_while_silent()
        try:
            outer = json.loads(body)
        except ValueError:
            raise web.HTTPBadRequest from None
        if outer.get("method") == "handshake":
            return self._aes_handshake(outer)
        session = self.aes_sessions.get(request.cookies.get("TP_SESSIONID", ""))
        if session is None or outer.get("method") != "securePassthrough":
            self.rejected += 1
            return web.json_response({"error_code": SESSION_EXPIRED})
        try:
            inner = json.loads(session.open(outer["params"]["request"]))
        except (KeyError, TypeError, ValueError):
            return web.json_response({"error_code": -1003})
        self.model.bytes_in += len(body)
        if inner.get("method") == "login_device":
            answer = self._login(session, inner.get("params") or {})
        elif session.token is None or request.query.get("token") != session.token:
            self.rejected += 1
            answer = {"error_code": SESSION_EXPIRED}
        else:
            self.model.requests.append(inner)
            answer = self.model.handle(inner)
        sealed = session.seal(json.dumps(answer).encode())
        self.model.bytes_out += len(sealed)
        return web.json_response({"error_code": 0, "result": {"response": sealed}})

    def _aes_handshake(self, outer: dict[str, Any]) -> web.Response:
        try:
            key = serialization.load_pem_public_key(outer["params"]["key"].encode())
        except (KeyError, TypeError, ValueError):
            return web.json_response({"error_code": -1010})
        if not isinstance(key, RSAPublicKey):
            return web.json_response({"error_code": -1010})
        self.handshakes += 1
        session = _AesSession()
        session_id = secrets.token_hex(16).upper()
        self.aes_sessions[session_id] = session
        sealed = key.encrypt(session.key + session.iv, rsa_padding.PKCS1v15())
        response = web.json_response(
            {"error_code": 0, "result": {"key": base64.b64encode(sealed).decode()}}
        )
        response.set_cookie("TP_SESSIONID", session_id)
        response.set_cookie("TIMEOUT", "86400")
        return response

    def _login(self, session: _AesSession, params: dict[str, Any]) -> dict[str, Any]:
        if self.login_version >= 2:
            password_ok = params.get("password2") == _sha1_b64(self.password)
        else:
            expected = base64.b64encode(self.password.encode()).decode()
            password_ok = params.get("password") == expected
        if params.get("username") != _sha1_b64(self.username) or not password_ok:
            self.rejected += 1
            return {"error_code": LOGIN_ERROR}
        session.token = secrets.token_hex(16)
        return {"error_code": 0, "result": {"token": session.token}}
