"""The first screen a user sees: a menu of device kinds."""

from __future__ import annotations

from ipaddress import ip_address

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.lanmeter.config_flow import LanMeterConfigFlow, LanMeterFlowBase
from custom_components.lanmeter.const import DOMAIN
from custom_components.lanmeter.kinds import KINDS
from custom_components.lanmeter.runtime import DISCOVERY_SOURCES, Discovered


async def test_user_step_is_a_menu_of_every_kind(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["kasa", "wemo", "flume", "glow", "home"]


@pytest.mark.parametrize("kind", list(KINDS))
async def test_every_kind_in_the_menu_opens_its_own_step(hass: HomeAssistant, kind: str) -> None:
    spec = KINDS[kind]
    assert issubclass(LanMeterConfigFlow, spec.flow)  # its steps are the flow's
    assert hasattr(spec.flow, f"async_step_{kind}")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] in (FlowResultType.FORM, FlowResultType.MENU)
    assert result["step_id"] == kind


def _flow_part_names(flow: type) -> set[str]:
    """What a kind's flow mixin puts in the flow's one namespace: its methods, class values and
    annotated attributes."""
    names = {name for name in vars(flow) if not name.startswith("__")}
    return names | set(vars(flow).get("__annotations__", {}))


def test_kinds_flow_parts_share_no_name_and_each_name_says_its_kind() -> None:
    """Every kind's steps join one flow class (multiple inheritance): a name two kinds defined,
    or one the base flow has, would silently shadow the other (issue 32). Each name carries its
    kind (`async_step_<kind>...`, `_<kind>_...`, `<kind>_...`), and the sources Home Assistant
    starts flows with (dhcp, ssdp, zeroconf, reauth, reconfigure, integration_discovery) are
    the base flow's, routed through the kinds' specs."""
    base = set(dir(LanMeterFlowBase))
    owner: dict[str, str] = {}
    for kind, spec in KINDS.items():
        for name in _flow_part_names(spec.flow):
            assert name not in owner, f"{kind} and {owner[name]} both define {name}"
            owner[name] = kind
            assert name not in base, f"{kind}'s {name} shadows the base flow's"
            bare = name.removeprefix("async_step_").lstrip("_")
            assert bare.startswith(kind), f"{kind}'s flow part {name} does not name its kind"
    for source in (*DISCOVERY_SOURCES, "reauth", "reconfigure", "integration_discovery"):
        assert f"async_step_{source}" in vars(LanMeterFlowBase)


def test_a_source_several_kinds_answer_is_claimed_by_each() -> None:
    """When two kinds answer one discovery source, the first that claims the service info gets
    it: each of them must say what it claims (the default claims everything)."""
    for source in DISCOVERY_SOURCES:
        routes = [
            spec.discovered_by[source] for spec in KINDS.values() if source in spec.discovered_by
        ]
        if len(routes) > 1:
            assert all(route.claims is not Discovered.claims for route in routes[:-1]), source
    kinds_by_source = {
        source: [kind for kind, spec in KINDS.items() if source in spec.discovered_by]
        for source in DISCOVERY_SOURCES
    }
    assert kinds_by_source == {"dhcp": ["kasa"], "ssdp": ["wemo"], "zeroconf": []}


async def test_a_discovery_no_kind_claims_is_aborted(hass: HomeAssistant) -> None:
    from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

    info = ZeroconfServiceInfo(
        ip_address=ip_address("192.0.2.9"),
        ip_addresses=[ip_address("192.0.2.9")],
        hostname="printer.local.",
        name="printer._ipp._tcp.local.",
        port=631,
        properties={},
        type="_ipp._tcp.local.",
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_supported_device"
