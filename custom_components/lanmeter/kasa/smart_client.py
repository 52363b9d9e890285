"""A lean client for TP-Link's SMART plugs and strips (KP125M, EP25, Tapo P110/P115, P304M/P316M).

python-kasa speaks the transport (KLAP or AES over HTTP, chosen by the plug's discovery answer)
and batches methods into one `multipleRequest`; this asks only what the entities need. A plug's
poll is one HTTP request (its state, its counts, its power, and its clock when due); a strip's is
one for its outlets' states plus one per outlet that is on (an off outlet draws nothing, and its
counts cannot move).

The answers become the Kasa kind's readings (smart_readings.py), so the coordinator, ledger,
entities and history import are the HS300's. No Home Assistant import here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import aiohttp
from kasa import (
    AuthenticationError,
    Credentials,
    DeviceConfig,
    DeviceConnectionParameters,
    KasaException,
)
from kasa.device_factory import get_protocol
from kasa.exceptions import DeviceError, SmartErrorCode
from kasa.protocols import BaseProtocol, SmartProtocol

from .client import (
    QUERY_RETRIES,
    SMART_FAMILIES,
    KasaAuthError,
    KasaConnectionError,
    KasaStripClient,
    KasaUnsupportedError,
    OutletReading,
    StripReading,
)
from .readings import KasaAnswerError, OutletInfo, Realtime, SysInfo
from .smart_readings import (
    CHILDREN,
    METERED,
    EnergyUsage,
    SmartChild,
    components,
    parse_children,
    parse_cloud,
    parse_device_info,
    parse_device_time,
    parse_energy_data,
    parse_energy_usage,
    parse_led,
    realtime,
)

# get_energy_data's intervals (minutes): the plug keeps hours for about a week, days for the
# quarter and months for the year.
HOURLY, DAILY, MONTHLY = 60, 1440, 43200
INFO: dict[str, Any] = {"get_device_info": None, "get_led_info": None}
TIME: dict[str, Any] = {"get_device_time": None}
# Read with the clock (hourly): its cloud connection and firmware auto-update setting.
CLOUD: dict[str, Any] = {"get_connect_cloud_state": None, "get_auto_update_info": None}


def _result(answers: dict[str, Any], method: str) -> Any:
    """One method's result from a batched answer; KasaAnswerError if it failed."""
    result = answers.get(method)
    if result is None or isinstance(result, SmartErrorCode):
        raise KasaAnswerError(f"{method}: {getattr(result, 'name', 'no answer')}")
    return result


class KasaSmartClient(KasaStripClient):
    """Polls one SMART plug or strip; the same calls as the IOT client."""

    @staticmethod
    def _protocol_for(config: DeviceConfig) -> BaseProtocol:
        protocol = get_protocol(config, strict=True)
        if not isinstance(protocol, SmartProtocol):
            raise KasaUnsupportedError(f"no SMART protocol for {config.connection_type.to_dict()}")
        return protocol

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._learned = False  # components asked (at the first identify or poll)
        self._metered = False
        self._strip = False
        self._emeter = False  # get_emeter_data answers (KP125M, P115): voltage and current
        self._usage: dict[int, EnergyUsage] = {}
        self._month: dict[int, tuple[int, int]] = {}  # each outlet's last month, by its clock
        self._children: list[SmartChild] = []
        self._utc_offset_min = 0  # the plug's zone, from its clock: dates its history

    async def _query(self, request: dict[str, Any]) -> dict[str, Any]:
        self.stats.requests += 1
        try:
            return await self._protocol.query(request, retry_count=QUERY_RETRIES)
        except AuthenticationError as err:
            raise KasaAuthError(f"{self.host}:{self.port}: {err}") from err
        except DeviceError as err:
            if err.error_code in (SmartErrorCode.UNKNOWN_METHOD_ERROR,):
                raise KasaAnswerError(f"{self.host}:{self.port}: {err}") from err
            raise KasaConnectionError(f"{self.host}:{self.port}: {err}") from err
        except KasaException as err:
            raise KasaConnectionError(f"{self.host}:{self.port}: {err}") from err

    async def _child(self, device_id: str, requests: dict[str, Any]) -> dict[str, Any]:
        """Methods for one outlet of a strip (control_child around a multipleRequest): the
        results by method, a failed one as its error code."""
        batch = [
            {"method": method} | ({"params": params} if params else {})
            for method, params in requests.items()
        ]
        answer = await self._query(
            {
                "control_child": {
                    "device_id": device_id,
                    "requestData": {"method": "multipleRequest", "params": {"requests": batch}},
                }
            }
        )
        try:
            data = answer["control_child"]["responseData"]
            responses = data["result"]["responses"]
        except (KeyError, TypeError) as err:
            raise KasaAnswerError(f"control_child: unexpected answer {answer!r}"[:200]) from err
        results: dict[str, Any] = {}
        for response in responses:
            if not isinstance(response, dict) or "method" not in response:
                continue
            code = response.get("error_code", 0)
            results[str(response["method"])] = (
                response.get("result") if code == 0 else SmartErrorCode.INTERNAL_UNKNOWN_ERROR
            )
        return results

    async def _child_set(self, device_id: str, method: str, params: dict[str, Any]) -> None:
        answer = await self._query(
            {
                "control_child": {
                    "device_id": device_id,
                    "requestData": {"method": method, "params": params},
                }
            }
        )
        data = (answer.get("control_child") or {}).get("responseData")
        if not isinstance(data, dict) or data.get("error_code", 0) != 0:
            raise KasaAnswerError(f"{method} refused: {data!r}"[:200])

    # ----- identify and poll -----------------------------------------------------------------

    async def identify(self) -> SysInfo:
        """What it is (its components: a meter? outlets?), then a poll."""
        await self._learn()
        return (await self.poll()).info

    async def _learn(self) -> None:
        answers = await self._query({"component_nego": None})
        found = components(_result(answers, "component_nego"))
        self._metered = METERED in found
        self._strip = CHILDREN in found
        if self._metered and not self._strip:
            probe = await self._query({"get_emeter_data": None, "get_energy_usage": None})
            emeter = probe.get("get_emeter_data")
            self._emeter = isinstance(emeter, dict) and "voltage_mv" in emeter
        self._learned = True

    async def poll(self, *, read_time: bool = False) -> StripReading:
        if not self._learned:
            await self._learn()
        request = dict(INFO)
        if self._strip:
            request["get_child_device_list"] = None
        elif self._metered:
            request["get_energy_usage"] = None
            request["get_current_power"] = None
            if self._emeter:
                request["get_emeter_data"] = None
        if read_time:
            request |= TIME | CLOUD
        answers = await self._query(request)
        try:
            info_answer = _result(answers, "get_device_info")
            led = (
                parse_led(answers["get_led_info"])
                if isinstance(answers.get("get_led_info"), dict)
                else True
            )
            if self._strip:
                self._children = parse_children(_result(answers, "get_child_device_list"))
            info = parse_device_info(
                info_answer,
                metered=self._metered,
                led_on=led,
                children=self._children if self._strip else None,
                has_voltage=self._emeter,
            )
        except KasaAnswerError:
            self.stats.bad_answers += 1
            raise
        time = cloud = None
        if read_time:
            try:
                time = parse_device_time(_result(answers, "get_device_time"))
                self._utc_offset_min = time.utc_offset_min or 0
            except KasaAnswerError:
                time = None
            try:
                cloud = parse_cloud(
                    _result(answers, "get_connect_cloud_state"), answers.get("get_auto_update_info")
                )
            except KasaAnswerError:
                cloud = None
        outlets = []
        for outlet in info.outlets:
            reading: Realtime | None = None
            restarted, closing = False, None
            if self._metered:
                reading, restarted = await self._outlet_reading(outlet, answers)
                if restarted:
                    closing = await self._closing_month(outlet.child_id)
            outlets.append(OutletReading(outlet.is_on, reading, restarted, closing))
        return StripReading(info, outlets, time=time, cloud=cloud)

    async def _outlet_reading(
        self, outlet: OutletInfo, answers: dict[str, Any]
    ) -> tuple[Realtime | None, bool]:
        """An outlet's power and counts; whether its month's count started again."""
        slot = outlet.slot
        last = self._usage.get(slot)
        if outlet.child_id is not None:
            if not outlet.is_on and last is not None:
                return Realtime(0.0, None, 0.0, last.month_wh / 1000), False
            try:
                answers = await self._child(
                    outlet.child_id, {"get_energy_usage": None, "get_current_power": None}
                )
            except KasaAnswerError as err:
                self._bad(err)
                return None, False
        try:
            usage = parse_energy_usage(_result(answers, "get_energy_usage"))
            reading = realtime(
                usage, answers.get("get_emeter_data"), answers.get("get_current_power")
            )
        except KasaAnswerError as err:
            self._bad(err)
            return None, False
        month = (usage.local_time.year, usage.local_time.month)
        restarted = (
            last is not None
            and self._month.get(slot) not in (None, month)
            and usage.month_wh < last.month_wh
        )
        self._usage[slot], self._month[slot] = usage, month
        return reading, restarted

    async def _closing_month(self, child_id: str | None) -> float | None:
        """The finished month's total (kWh), as the plug filed it at its month start: what it
        counted between the last poll and its midnight is in it. None if it does not say."""
        year, month = self._month_before(child_id) or (0, 0)
        if not year:
            return None
        try:
            months = await self.month_energy(child_id, year)
        except (KasaAnswerError, KasaConnectionError) as err:
            self._bad(err)
            return None
        return months.get((year, month))

    def _month_before(self, child_id: str | None) -> tuple[int, int] | None:
        """The month before the one the outlet's plug is in now."""
        slot = self._slot_of(child_id)
        if slot is None or slot not in self._month:
            return None
        year, month = self._month[slot]
        return (year - 1, 12) if month == 1 else (year, month - 1)

    def _bad(self, err: Exception) -> None:
        self.stats.bad_answers += 1
        self.stats.last_error = str(err)

    # ----- counts and history ----------------------------------------------------------------

    async def day_count(self, child_id: str | None, day: dt.date) -> float | None:
        """The plug's own count for `day`, from the poll just made (no request): its
        `today_energy`, when `day` is the plug's today."""
        slot = self._slot_of(child_id)
        usage = self._usage.get(slot) if slot is not None else None
        if usage is None or usage.local_time.date() != day:
            return None
        return usage.today_wh / 1000

    def _slot_of(self, child_id: str | None) -> int | None:
        if child_id is None:
            return 0
        for slot, child in enumerate(self._children):
            if child.device_id == child_id:
                return slot
        return None

    def _midnight(self, day: dt.date) -> int:
        """Unix seconds of the plug's midnight starting `day` (its records are dated by it)."""
        wall = dt.datetime.combine(day, dt.time(0), dt.UTC)
        return int(wall.timestamp()) - 60 * self._utc_offset_min

    async def _energy_data(
        self, child_id: str | None, start: dt.date, end: dt.date, interval: int
    ) -> list[float]:
        params = {
            "start_timestamp": self._midnight(start),
            "end_timestamp": self._midnight(end) + (86399 if interval == HOURLY else 0),
            "interval": interval,
        }
        request = {"get_energy_data": params}
        if child_id is None:
            answers = await self._query(request)
        else:
            answers = await self._child(child_id, request)
        return parse_energy_data(_result(answers, "get_energy_data"))

    async def day_energy(self, child_id: str | None, year: int, month: int) -> dict[dt.date, float]:
        """kWh per day of one month (the plug keeps days by quarter: the quarter is asked)."""
        quarter = dt.date(year, 3 * ((month - 1) // 3) + 1, 1)
        values = await self._energy_data(child_id, quarter, quarter, DAILY)
        days = {}
        for n, wh in enumerate(values):
            day = quarter + dt.timedelta(days=n)
            if (day.year, day.month) == (year, month):
                days[day] = wh / 1000
        return days

    async def month_energy(self, child_id: str | None, year: int) -> dict[tuple[int, int], float]:
        """kWh per month of one year."""
        values = await self._energy_data(
            child_id, dt.date(year, 1, 1), dt.date(year, 1, 1), MONTHLY
        )
        return {(year, n + 1): wh / 1000 for n, wh in enumerate(values[:12])}

    async def hour_energy(
        self, child_id: str | None, first: dt.date, last: dt.date
    ) -> dict[dt.datetime, float]:
        """kWh per hour from `first` to `last` (the plug's days; it keeps about a week), keyed by
        the start of the hour in UTC (from the plug's midnight on, an hour per record)."""
        values = await self._energy_data(child_id, first, last, HOURLY)
        start = dt.datetime.fromtimestamp(self._midnight(first), dt.UTC)
        return {start + dt.timedelta(hours=n): wh / 1000 for n, wh in enumerate(values)}

    # ----- control ---------------------------------------------------------------------------

    async def set_time(self, now: dt.datetime, current_index: int | None) -> None:
        """Set the plug's clock to `now` (aware): unix seconds, the zone's offset and name."""
        offset = now.utcoffset() or dt.timedelta(0)
        params: dict[str, Any] = {
            "timestamp": int(now.timestamp()),
            "time_diff": int(offset.total_seconds() // 60),
        }
        if (region := getattr(now.tzinfo, "key", None)) is not None:
            params["region"] = region
        await self._set("set_device_time", params)

    async def _set(self, method: str, params: dict[str, Any]) -> None:
        answers = await self._query({method: params})
        if isinstance(answers.get(method), SmartErrorCode):
            raise KasaAnswerError(f"{method} refused: {answers[method].name}")

    async def set_outlet(self, child_id: str | None, on: bool) -> None:
        if child_id is None:
            await self._set("set_device_info", {"device_on": on})
        else:
            await self._child_set(child_id, "set_device_info", {"device_on": on})

    async def set_auto_update(self, on: bool) -> None:
        """Whether the plug updates its firmware by itself (set_auto_update_info)."""
        await self._set("set_auto_update_info", {"enable": on})

    async def set_led(self, on: bool) -> None:
        await self._set("set_led_info", {"led_rule": "always" if on else "never"})


def client_for(
    host: str,
    port: int,
    connection: DeviceConnectionParameters,
    credentials: Credentials | None = None,
    http_client: aiohttp.ClientSession | None = None,
) -> KasaStripClient:
    """The client for how the device speaks: SMART JSON (Kasa and Tapo plugs and strips of
    today) or IOT JSON (HS300, HS110, KP115, ...)."""
    client_class = (
        KasaSmartClient if connection.device_family in SMART_FAMILIES else KasaStripClient
    )
    return client_class(
        host, port, connection=connection, credentials=credentials, http_client=http_client
    )
