"""Every parser that takes LAN input, with what its caller catches and inputs to throw at it.

Used by tests/test_fuzz.py (2,000 inputs each in the normal run) and scripts/fuzz (10,000+ each).
A target "escapes" when its parser raises anything its caller does not catch: in Home Assistant
that would be an exception in the event loop instead of a counted, logged bad input.
"""

from __future__ import annotations

from collections.abc import Callable
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
import json
from typing import Any

from hypothesis import strategies as st
from kasa.transports.xortransport import XorEncryption

from custom_components.lanmeter.flume.messages import (
    FlumeMessageError,
    decode_payload,
    flow_samples,
    make_box,
    parse_topic,
    status,
)
from custom_components.lanmeter.glow.local_mqtt import GlowMessageError, decode_message
from custom_components.lanmeter.glow.local_mqtt import parse_topic as glow_topic
from custom_components.lanmeter.glow.receiver import UploadRefused, parse_upload
from custom_components.lanmeter.glow.tariff import TariffError, decode_tariff
from custom_components.lanmeter.glow.zigbee import signed, unsigned
from custom_components.lanmeter.home.sense_bridge import SenseBridge
from custom_components.lanmeter.kasa.readings import (
    KasaAnswerError,
    module_answer,
    parse_day_energy,
    parse_realtime,
    parse_sysinfo,
)
from custom_components.lanmeter.kasa.smart_readings import (
    components,
    parse_children,
    parse_device_info,
    parse_device_time,
    parse_energy_data,
    parse_energy_usage,
    parse_led,
    realtime,
)
from devkit.simulators.glow_cad import ScriptedMeter, tariff_text, upload_body
from devkit.simulators.kasa_device import hs300_template

RECEIVED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FLUME_KEY = bytes(range(32))
FLUME_BOX = make_box(FLUME_KEY.hex())


@dataclass(frozen=True)
class Target:
    name: str
    inputs: st.SearchStrategy[Any]
    parse: Callable[[Any], object]
    caught: tuple[type[BaseException], ...]  # what the caller catches: anything else escapes

    def escape(self, value: Any) -> BaseException | None:
        try:
            self.parse(value)
        except self.caught:
            return None
        except Exception as err:
            return err
        return None


# ----- building blocks ------------------------------------------------------------------------

HEXISH = st.one_of(
    st.text(alphabet="0123456789ABCDEFabcdef", max_size=20),
    st.text(alphabet="0123456789ABCDEF-x_ +", max_size=20),
    st.text(max_size=20),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    HEXISH,
)
JSONISH = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(HEXISH, children, max_size=4)
    ),
    max_leaves=20,
)


def _mutated(template: Any) -> st.SearchStrategy[Any]:
    """A real message with some of its leaves replaced (keeps the parser past its first checks)."""

    def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
        if isinstance(node, dict):
            return [p for k, v in node.items() for p in paths(v, (*prefix, k))] or [prefix]
        if isinstance(node, list):
            return [p for i, v in enumerate(node) for p in paths(v, (*prefix, i))] or [prefix]
        return [prefix]

    leaves = paths(template)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        message = json.loads(json.dumps(template))
        for path in draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=4)):
            if not path:
                return draw(JSONISH)
            node = message
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = draw(JSONISH)
        return message

    return build()


def _json_bytes(values: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return values.map(lambda v: json.dumps(v, allow_nan=True).encode())


DEEP = st.integers(min_value=900, max_value=60000).map(lambda n: b"[" * n)

# ----- the parsers ----------------------------------------------------------------------------

glow_upload = upload_body(ScriptedMeter(clock=RECEIVED.timestamp()))
GLOW_BODY = Target(
    "glow_body",
    st.one_of(
        _json_bytes(_mutated(glow_upload)),
        _json_bytes(JSONISH),
        st.binary(max_size=600),
        DEEP,
        st.text(max_size=300).map(lambda t: ("EPRICE:" + t).encode()),
    ),
    lambda body: parse_upload("70B3D521E0DE0001", body, RECEIVED),
    (UploadRefused,),
)


def _registers(text: Any) -> None:
    for parse in (unsigned, signed):
        with contextlib.suppress(ValueError):
            parse(text)


GLOW_REGISTER = Target("glow_register", st.one_of(HEXISH, SCALARS), _registers, ())

GLOW_TARIFF = Target(
    "glow_tariff",
    st.one_of(
        st.text(max_size=400),
        st.lists(HEXISH, max_size=20).map(lambda parts: "EPRICE:" + ",".join(parts)),
        st.just(tariff_text(ScriptedMeter())).flatmap(
            lambda text: st.integers(0, len(text)).map(lambda n: text[:n] + "Z" + text[n:])
        ),
    ),
    decode_tariff,
    (TariffError,),
)

glow_mqtt_messages = [
    {"electricitymeter": {"timestamp": "2026-11-29T12:00:00Z", "energy": {"import": {
        "cumulative": 15254.827, "day": 1.2, "week": 3.4, "month": 5.6,
        "price": {"unitrate": 0.16401, "standingcharge": 0.2541}}},
        "power": {"value": 0.425, "units": "kW"}}},
    {"gasmeter": {"timestamp": "2026-11-29T12:00:00Z", "energy": {"import": {
        "cumulative": 5995.276, "cumulativevol": 5995.276, "units": "kWh"}}}},
    {"software": "v1.8.12", "hardware": "GLOW-IHD-01-1v4-SMETS2", "timestamp": "0",
     "han": {"rssi": -88, "lqi": 144, "status": "joined"}},
]  # fmt: skip


def _glow_mqtt(message: tuple[str, bytes]) -> None:
    topic, payload = message
    parsed = glow_topic(topic, "glow")
    if parsed is None:
        return
    decode_message(parsed[1], json.loads(payload), RECEIVED)


GLOW_MQTT = Target(
    "glow_mqtt",
    st.tuples(
        st.one_of(
            st.sampled_from(
                [
                    "glow/BCDDC2C6A91C/STATE",
                    "glow/BCDDC2C6A91C/SENSOR/electricitymeter",
                    "glow/BCDDC2C6A91C/SENSOR/gasmeter",
                ]
            ),
            st.text(max_size=60),
        ),
        st.one_of(
            *(_json_bytes(_mutated(m)) for m in glow_mqtt_messages),
            _json_bytes(JSONISH),
            st.binary(max_size=300),
            DEEP,
        ),
    ),
    _glow_mqtt,
    (ValueError, RecursionError, GlowMessageError),  # the hub's catch
)

flume_flow = [{"timestamp": 1764417600 + 5 * n, "value": 123456 + n} for n in range(6)]
flume_status = {"16": -79, "32": 3252, "16384": 3300, "timestamp": 1764417600}


def _flume(message: tuple[str, bytes, bool]) -> None:
    topic, payload, encrypted = message
    parsed = parse_topic(topic)
    box = FLUME_BOX if encrypted else None
    if encrypted and FLUME_BOX is not None:
        payload = FLUME_BOX.encrypt(payload)
    data = decode_payload(payload, box)
    if parsed is None or parsed.kind == 1:
        flow_samples(data)
    else:
        status(data, from_bridge=parsed.kind == 2 and "512" in str(data))


FLUME = Target(
    "flume_message",
    st.tuples(
        st.one_of(
            st.sampled_from(["2/1/12/4B1D7E55F1A3C0DE/1764417600", "2/2/12/B41D6E0000C0FFEE/1"]),
            st.text(max_size=60),
        ),
        st.one_of(
            _json_bytes(_mutated(flume_flow)),
            _json_bytes(_mutated(flume_status)),
            _json_bytes(JSONISH),
            st.binary(max_size=200),
            DEEP,
            st.sampled_from([b"NaN", b"[Infinity]", b'{"16": -Infinity}', b"1" * 5000]),
        ),
        st.booleans(),  # sent as a secretbox of the key (decrypt path) or as it is
    ),
    _flume,
    (FlumeMessageError,),
)

kasa_answer_template = {
    "system": {"get_sysinfo": hs300_template() | {"err_code": 0}},
    "emeter": {
        "get_realtime": {"voltage_mv": 120000, "current_ma": 500, "power_mw": 60000,
                         "total_wh": 1234, "err_code": 0},
        "get_daystat": {"day_list": [{"year": 2026, "month": 11, "day": 29, "energy_wh": 800}],
                        "err_code": 0},
    },
}  # fmt: skip


def _kasa(answer: Any) -> None:
    for parse in (
        lambda a: parse_sysinfo(module_answer(a, "system", "get_sysinfo")),
        lambda a: parse_realtime(module_answer(a, "emeter", "get_realtime")),
        lambda a: parse_day_energy(module_answer(a, "emeter", "get_daystat"), 2026, 11, 29),
    ):
        with contextlib.suppress(KasaAnswerError):
            parse(answer)


KASA = Target(
    "kasa_answer", st.one_of(_mutated(kasa_answer_template), JSONISH), _kasa, (KasaAnswerError,)
)


kasa_smart_template = {
    "component_nego": {"component_list": [{"id": "energy_monitoring", "ver_code": 2}]},
    "get_device_info": {"model": "P110", "mac": "48-22-54-00-00-01", "device_id": "80",
                        "device_on": True, "on_time": 60, "nickname": "SGVhdGVy",
                        "fw_ver": "1.2.3 Build 1", "hw_ver": "1.0", "rssi": -50},
    "get_child_device_list": {"child_device_list": [
        {"device_id": "8001", "position": 1, "device_on": True, "on_time": 5, "nickname": "QQ=="}
    ]},
    "get_energy_usage": {"today_energy": 46, "month_energy": 430, "current_power": 1003,
                         "local_time": "2026-11-29 12:00:00"},
    "get_emeter_data": {"power_mw": 1003, "voltage_mv": 230000, "current_ma": 40},
    "get_current_power": {"current_power": 1},
    "get_device_time": {"timestamp": 1796000000, "time_diff": 60, "region": "Europe/Berlin"},
    "get_energy_data": {"data": [1, 2, 3], "interval": 60},
    "get_led_info": {"led_rule": "always", "led_status": True},
}  # fmt: skip


def _kasa_smart(answer: Any) -> None:
    if not isinstance(answer, dict):
        answer = {"get_device_info": answer}
    for parse in (
        lambda a: components(a.get("component_nego")),
        lambda a: parse_device_info(
            a.get("get_device_info"), metered=True, led_on=True,
            children=parse_children(a.get("get_child_device_list")),
        ),
        lambda a: parse_device_info(a.get("get_device_info"), metered=True, led_on=True),
        lambda a: realtime(
            parse_energy_usage(a.get("get_energy_usage")),
            a.get("get_emeter_data"), a.get("get_current_power"),
        ),
        lambda a: parse_device_time(a.get("get_device_time")),
        lambda a: parse_energy_data(a.get("get_energy_data")),
        lambda a: parse_led(a.get("get_led_info")),
    ):  # fmt: skip
        with contextlib.suppress(KasaAnswerError):
            parse(answer)


KASA_SMART = Target(
    "kasa_smart_answer",
    st.one_of(_mutated(kasa_smart_template), JSONISH),
    _kasa_smart,
    (KasaAnswerError,),
)


class _Recorder:
    def __init__(self) -> None:
        self.sent = 0

    def sendto(self, data: bytes, addr: Any) -> None:
        self.sent += 1


def _sense(datagram: tuple[bytes, str]) -> None:
    data, source = datagram
    bridge = SenseBridge.__new__(SenseBridge)  # no event loop needed for the parser itself
    bridge._plugs = list
    bridge._monitors = frozenset()
    bridge._last_round = {}
    bridge._second = (0.0, 0)
    bridge.queries = bridge.ignored = bridge.refused = 0
    bridge.transport = _Recorder()  # type: ignore[assignment]
    bridge.datagram_received(data, (source, 9999))


SENSE_QUERY = b'{"emeter":{"get_realtime":{}},"system":{"get_sysinfo":{}}}'
SENSE = Target(
    "sense_datagram",
    st.tuples(
        st.one_of(
            st.binary(max_size=300),
            _json_bytes(JSONISH).map(lambda b: XorEncryption.encrypt(b.decode())[4:]),
            st.integers(0, len(SENSE_QUERY)).map(
                lambda n: XorEncryption.encrypt(SENSE_QUERY[:n].decode())[4:]
            ),
            DEEP.map(lambda b: XorEncryption.encrypt(b.decode())[4:]),
        ),
        st.sampled_from(["192.168.1.40", "255.255.255.255", "224.0.0.1", "::1", "nonsense"]),
    ),
    _sense,
    (),
)

TARGETS = [GLOW_BODY, GLOW_REGISTER, GLOW_TARIFF, GLOW_MQTT, FLUME, KASA, KASA_SMART, SENSE]


def _wemo_insight() -> Any:
    """A pywemo Insight with a cached state and no network (the parse path needs none)."""
    from pywemo import Insight

    device = Insight.__new__(Insight)
    device._state = 1
    object.__setattr__(device, "name", "Fuzzed Insight")  # pywemo logs it; a frozen field
    device.insight_params = Insight.parse_insight_params(
        "8|1764417600|0|0|0|1209600|-45|350000|1000000|60000000|8000"
    )
    return device


def _wemo(body: bytes) -> None:
    """A NOTIFY body as pywemo's server parses it, each property through LAN Meter's push path."""
    from lxml import etree

    from custom_components.lanmeter.wemo.coordinator import apply_event

    device = _wemo_insight()
    try:
        doc = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return  # pywemo's server answers those itself; they never reach LAN Meter
    namespace = "{urn:schemas-upnp-org:event-1-0}"
    for node in doc.findall(f"./{namespace}property"):
        for prop in list(node):
            apply_event(device, str(prop.tag), prop.text or "")


def _notify(properties: list[tuple[str, str]]) -> bytes:
    inner = "".join(f"<e:property><{tag}>{text}</{tag}></e:property>" for tag, text in properties)
    return (
        '<?xml version="1.0"?><e:propertyset xmlns:e="urn:schemas-upnp-org:event-1-0">'
        f"{inner}</e:propertyset>"
    ).encode()


_XML_TEXT = st.text(alphabet=st.characters(blacklist_characters="<&", codec="utf-8"), max_size=80)


def _wemo_errors() -> tuple[type[BaseException], ...]:
    from custom_components.lanmeter.wemo.coordinator import EVENT_ERRORS

    return EVENT_ERRORS


WEMO = Target(
    "wemo_notify",
    st.one_of(
        st.lists(
            st.tuples(
                st.sampled_from(["BinaryState", "InsightParams", "LongPress", "Other"]),
                st.one_of(
                    _XML_TEXT,
                    st.lists(
                        st.one_of(st.integers(-(2**40), 2**40).map(str), _XML_TEXT), max_size=12
                    ).map("|".join),
                ),
            ),
            max_size=3,
        ).map(_notify),
        st.binary(max_size=400),
    ),
    _wemo,
    _wemo_errors(),
)

TARGETS.append(WEMO)
