"""Fixtures every LAN Meter test uses."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import logging
import os
from pathlib import Path
import tempfile
from typing import TYPE_CHECKING, ClassVar

import freezegun
import pytest

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers import issue_registry as ir

# paho's keepalive and pywemo's subscription renewals run on their own threads: a test that moves
# Home Assistant's clock by hours (freezer) must not make them believe their peer went silent.
freezegun.configure(extend_ignore_list=["paho", "pywemo"])
# Home Assistant's diagnostics import aiohasupervisor on first use; imported while a test's
# clock is frozen, its models meet freezegun's fake datetime class and the import fails.
with contextlib.suppress(ImportError):
    import aiohasupervisor  # noqa: F401


def _teach_cryptography_the_real_datetime() -> None:
    """cryptography 50 looks up `datetime.datetime` once, at its first certificate, and keeps
    it. Made first under a test's frozen clock (a Glow receiver in a freezer test), it keeps
    freezegun's class and refuses real datetimes in every later test: make one now, unfrozen."""
    from custom_components.lanmeter.glow.certificate import ensure_certificate

    with tempfile.TemporaryDirectory() as directory:
        ensure_certificate(Path(directory))


_teach_cryptography_the_real_datetime()

# The harness's mock storage logs every write with its whole data at DEBUG. LAN Meter writes a
# total's record whenever a reading books energy (a power cut must not lose it), so a strip
# polled every 5 s formats its store that often: at INFO, the floor leg's time halves.
logging.getLogger("pytest_homeassistant_custom_component.common").setLevel(logging.INFO)
# The harness sets SQLAlchemy's engine to INFO: every recorder statement was printed (from the
# recorder's thread, outside pytest's capture) by the tests that run the recorder.
logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)

# scripts/test's times leg: tests marked time_sensitive start their clock here (ISO, aware),
# ticking on from it, unless they pin a moment of their own (a scenario that needs its hour).
FROZEN_START = os.environ.get("LANMETER_FROZEN_START")

REPO_ROOT = Path(__file__).resolve().parent.parent
CAPTURES = REPO_ROOT.parent / "shared" / "captures"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/lanmeter in every test."""


def captures_dir(kind: str) -> Path:
    """The shared captures of one kind, or skip: a user's clone has no ../shared."""
    path = CAPTURES / kind
    if not path.is_dir():
        pytest.skip(
            f"real device captures not found at {path} (only CI and developers have ../shared)"
        )
    return path


DEPRECATION_REPORTS = ("Detected that custom integration 'lanmeter'", "Detected code that calls")


class _DeprecationReports(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if any(report in message for report in DEPRECATION_REPORTS):
            self.reports.append(message.splitlines()[0])


@pytest.fixture(autouse=True)
def no_deprecation_reports() -> Iterator[None]:
    """Home Assistant reports deprecated use before it breaks it (and only once per process):
    any report fails the test that caused it, on both test legs."""
    from homeassistant.helpers import frame

    frame._REPORTED_INTEGRATIONS.clear()
    handler = _DeprecationReports()
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
    if handler.reports:
        pytest.fail("Home Assistant reported deprecated use:\n" + "\n".join(handler.reports))


@pytest.fixture(autouse=True)
def no_multicast_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    """pywemo re-finds a lost device with an SSDP M-SEARCH to 239.255.255.250. Tests only talk
    to 127.0.0.1: its scan finds nothing here instead of sending multicast."""
    import pywemo.ssdp

    monkeypatch.setattr(pywemo.ssdp, "scan", lambda *args, **kwargs: [])


class RecordingDiscoveryResponder:
    """Stands in for pywemo's SSDP responder, which joins 239.255.255.250 on every interface
    and multicasts NOTIFYs (cannot stay on 127.0.0.1). Records what was started."""

    started: ClassVar[list[int]] = []

    def __init__(self, callback_port: int) -> None:
        self.callback_port = callback_port

    def start(self) -> None:
        self.started.append(self.callback_port)

    def stop(self) -> None:
        self.started.remove(self.callback_port)


@pytest.fixture(autouse=True)
def no_multicast_responder(monkeypatch: pytest.MonkeyPatch) -> type[RecordingDiscoveryResponder]:
    import pywemo.ssdp

    RecordingDiscoveryResponder.started = []
    monkeypatch.setattr(pywemo.ssdp, "DiscoveryResponder", RecordingDiscoveryResponder)
    return RecordingDiscoveryResponder


@pytest.fixture(autouse=True)
def private_kasa_discovery_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-kasa also asks UDP 20002 (and, from 0.12, 20004) of the host it discovers. On
    127.0.0.1 those may belong to something else (the demo's KLAP strip answers on 20002): send
    those queries to the discard port (9), where nothing answers. KLAP tests point 20002 at
    their simulator."""
    from kasa import Discover

    monkeypatch.setattr(Discover, "DISCOVERY_PORT_2", 9)
    if hasattr(Discover, "DISCOVERY_PORT_3"):
        monkeypatch.setattr(Discover, "DISCOVERY_PORT_3", 9)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With LANMETER_FROZEN_START, time-sensitive tests run from that moment."""
    if not FROZEN_START:
        return
    for item in items:
        if item.get_closest_marker("time_sensitive") is None:
            continue
        pinned = item.get_closest_marker("freeze_time")
        if pinned is None or not pinned.args:
            item.add_marker(pytest.mark.freeze_time(FROZEN_START, tick=True))
            fixtures = getattr(item, "fixturenames", None)
            if fixtures is not None and "freezer" not in fixtures:
                fixtures.insert(0, "freezer")


def clock_repair(hass: HomeAssistant, owner: str) -> ir.IssueEntry | None:
    """The repair issue about a device's clock (clock_watch.py), by its owner: an entry id, or
    an entry id and a CAD's id for a Glow CAD."""
    from homeassistant.helpers import issue_registry as ir

    from custom_components.lanmeter.const import DOMAIN

    return ir.async_get(hass).async_get_issue(DOMAIN, f"device_clock_wrong_{owner}")
