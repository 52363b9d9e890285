"""manifest.json and hacs.json: what hassfest and HACS check, checked here too."""

from __future__ import annotations

import json

from awesomeversion import AwesomeVersion
from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import REPO_ROOT

COMPONENT = REPO_ROOT / "custom_components" / "lanmeter"
# What Home Assistant core pins in 2026.11 for the libraries LAN Meter shares with it
# (kasa-crypt comes with core's python-kasa[speedups]; 0.2.0 is that extra's floor).
CORE_PINS = {
    "python-kasa": "0.12.0",
    "kasa-crypt": "0.2.0",
    "pywemo": "1.4.0",
    "paho-mqtt": "2.1.0",
    "cydrogen": "0.0.10",
}


def test_manifest_is_valid_for_a_custom_integration() -> None:
    """Required keys present, domain and name first, the rest alphabetical (hassfest's rule)."""
    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    for key in (
        "codeowners",
        "config_flow",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "loggers",
        "requirements",
        "version",
    ):
        assert key in manifest, key
    assert manifest["domain"] == "lanmeter"
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "hub"
    assert manifest["iot_class"] == "local_push"
    assert AwesomeVersion(manifest["version"]).valid
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")


def test_requirements_admit_what_core_pins() -> None:
    """Installing LAN Meter must never force a different version of a library core uses."""
    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    requirements = {Requirement(r).name: Requirement(r) for r in manifest["requirements"]}
    assert set(requirements) == set(CORE_PINS)
    for name, pinned in CORE_PINS.items():
        spec = requirements[name].specifier
        assert str(spec).startswith(">="), f"{name} must be a range, not a pin: {spec}"
        assert Version(pinned) in spec, f"{name} {spec} rejects core's {pinned}"


def test_hacs_json() -> None:
    """HACS needs a name and the oldest Home Assistant release LAN Meter supports."""
    hacs = json.loads((REPO_ROOT / "hacs.json").read_text())
    assert hacs["name"] == "LAN Meter"
    assert AwesomeVersion(hacs["homeassistant"]) == AwesomeVersion("2025.4.0")


def test_brand_icon_is_a_png() -> None:
    """HACS shows brand/icon.png; it must be a real PNG of a useful size."""
    data = (COMPONENT / "brand" / "icon.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20]), int.from_bytes(data[20:24])
    assert width == height >= 256


def test_translations_cover_every_menu_option_and_abort() -> None:
    """Every kind in the menu has a label; strings.json-style keys are all present."""
    from custom_components.lanmeter.const import ALL_KINDS

    strings = json.loads((COMPONENT / "translations" / "en.json").read_text())
    menu = strings["config"]["step"]["user"]["menu_options"]
    assert list(menu) == list(ALL_KINDS)
    assert all(label.strip() for label in menu.values())
