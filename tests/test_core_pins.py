"""Beside core on this leg's release (issue 31): LAN Meter's requirements accept every version
Home Assistant core pins for the same libraries, and the leg runs on exactly those versions."""

from __future__ import annotations

from importlib import metadata
import json
from pathlib import Path

import homeassistant
from packaging.requirements import Requirement
from packaging.version import Version

from devkit.core_pins import Pin, conflicts, core_pins, extras_of
from tests.conftest import REPO_ROOT

MANIFEST = REPO_ROOT / "custom_components" / "lanmeter" / "manifest.json"


def _installed_release_file(path: str) -> str | None:
    file = Path(homeassistant.__file__).parent / path
    return file.read_text() if file.is_file() else None


def _this_release() -> dict[str, Pin]:
    extras = extras_of("python-kasa", metadata.requires("python-kasa") or [])
    return core_pins(_installed_release_file, extras)


def _requirements() -> list[str]:
    return list(json.loads(MANIFEST.read_text())["requirements"])


def test_no_requirement_rejects_what_this_releases_core_pins() -> None:
    pins = _this_release()
    assert "python-kasa" in pins and "pywemo" in pins and "paho-mqtt" in pins
    assert conflicts(_requirements(), pins) == []


def test_this_leg_runs_on_the_versions_core_pins() -> None:
    """Each leg installs core's pins, so the suite proves LAN Meter on what users have."""
    pins = _this_release()
    for line in _requirements():
        name = Requirement(line).name.lower()
        pin = pins.get(name)
        installed = Version(metadata.version(name))
        if pin is not None and pin.version is not None:
            assert installed == pin.version, f"{name} {installed} is not core's {pin.specifier}"
        else:
            assert installed in Requirement(line).specifier, (name, installed)


def test_the_check_catches_a_requirement_that_rejects_a_pin() -> None:
    pins = {"python-kasa": Pin("python-kasa", "==0.10.2", "tplink manifest")}
    assert conflicts(["python-kasa>=0.12.0"], pins) == [
        "python-kasa>=0.12.0 rejects core's python-kasa==0.10.2 (tplink manifest)"
    ]
    assert conflicts(["python-kasa>=0.10.2"], pins) == []
