"""manifest.json and hacs.json: what hassfest and HACS check, checked here too."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import json
import os
from pathlib import Path
import re
import subprocess
import sys
from typing import Any

from awesomeversion import AwesomeVersion
from packaging.requirements import Requirement
from packaging.version import Version
import pytest

from tests.conftest import REPO_ROOT

# Checks of the repository, not of behaviour on one Home Assistant: the floor leg runs them.
pytestmark = pytest.mark.repo_check

COMPONENT = REPO_ROOT / "custom_components" / "lanmeter"
# What Home Assistant core pins for the libraries LAN Meter shares with it, on every supported
# release (`scripts/check_pins` reads them from each release's wheel; kasa-crypt comes with
# core's python-kasa[speedups], whose floor is 0.2.0).
CORE_PINS = {
    "python-kasa": ["0.10.2", "0.11.0.1", "0.12.0"],
    "kasa-crypt": ["0.2.0"],
    "pywemo": ["1.4.0"],
    "paho-mqtt": ["2.1.0"],
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
    for name, pins in CORE_PINS.items():
        spec = requirements[name].specifier
        assert str(spec).startswith(">="), f"{name} must be a range, not a pin: {spec}"
        for pinned in pins:
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
    from custom_components.lanmeter.kinds import KINDS

    strings = json.loads((COMPONENT / "translations" / "en.json").read_text())
    menu = strings["config"]["step"]["user"]["menu_options"]
    assert list(menu) == list(KINDS)
    assert all(label.strip() for label in menu.values())


# Home Assistant OS and the Container image are Alpine (musl) without a compiler; core images are
# also built for glibc. Every requirement, with everything it pulls in, must come as a wheel.
WHEEL_PLATFORMS = [
    f"{libc}_{arch}"
    for libc in ("musllinux_1_2", "manylinux_2_28")
    for arch in ("x86_64", "aarch64")
]
WHEEL_PYTHONS = ["3.14", "3.13"]


def platform_tags(platform: str) -> list[str]:
    """What a machine of `platform` installs: pip takes `--platform` literally, but a glibc 2.28
    system also takes manylinux_2_17 (manylinux2014) wheels, and musl 1.2 takes musllinux_1_1."""
    libc, major, minor, arch = re.fullmatch(r"(\w+?)_(\d+)_(\d+)_(\w+)", platform).groups()  # type: ignore[union-attr]
    tags = [f"{libc}_{major}_{m}_{arch}" for m in range(int(minor), -1, -1)]
    if libc == "manylinux":
        tags = tags[: int(minor) - 4]  # manylinux_2_5 is the oldest
        tags += [f"manylinux2014_{arch}"] + (
            [f"manylinux2010_{arch}", f"manylinux1_{arch}"] if arch == "x86_64" else []
        )
    return tags


def _pip_download(python: str, platform: str, requirements: list[str], dest: Path) -> str | None:
    """Error text of `pip download --only-binary=:all:` for one platform, or None when it resolves.
    --isolated: this machine's pip config adds local wheel folders that users do not have."""
    platforms = [arg for tag in platform_tags(platform) for arg in ("--platform", tag)]
    command = [
        sys.executable, "-m", "pip", "download", "--isolated", "--disable-pip-version-check",
        "--quiet", "--only-binary=:all:", "--python-version", python, *platforms,
        "--implementation", "cp", "-d", str(dest), *requirements,
    ]  # fmt: skip
    if Path(CA_BUNDLE).is_file():
        command[4:4] = ["--cert", CA_BUNDLE]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode == 0:
        return None
    return (result.stderr or result.stdout).strip().splitlines()[-1]


CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture
def package_index() -> None:
    """pypi.org must answer: in CI the wheel checks must run, elsewhere they may skip offline.
    Asked from a child process: the test process only lets sockets reach 127.0.0.1."""
    probe = "import socket; socket.create_connection(('pypi.org', 443), timeout=10).close()"
    if subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False).returncode:
        if os.environ.get("CI"):
            pytest.fail("the package index (pypi.org) is unreachable; CI must run this test")
        pytest.skip("the package index (pypi.org) is unreachable from this machine")


@pytest.mark.usefixtures("package_index")
def test_every_requirement_installs_from_wheels_on_home_assistant_platforms(
    tmp_path: Path,
) -> None:
    """Python 3.14 and 3.13 x musl and glibc x x86_64 and aarch64: no sdist, no compiler."""
    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    pairs = [(python, platform) for python in WHEEL_PYTHONS for platform in WHEEL_PLATFORMS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        errors = dict(
            zip(
                pairs,
                pool.map(
                    lambda pair: _pip_download(
                        *pair, manifest["requirements"], tmp_path / f"{pair[0]}-{pair[1]}"
                    ),
                    pairs,
                ),
                strict=True,
            )
        )
    failed = {f"cp{p.replace('.', '')} {plat}": err for (p, plat), err in errors.items() if err}
    assert not failed, f"requirements without wheels: {failed}"
    # Every pair really fetched wheels, and only wheels.
    for python, platform in pairs:
        files = list((tmp_path / f"{python}-{platform}").iterdir())
        assert files and all(f.suffix == ".whl" for f in files), (python, platform, files)


@pytest.mark.usefixtures("package_index")
def test_the_wheel_check_catches_a_library_without_them(tmp_path: Path) -> None:
    """cydrogen (the LibHydrogen binding LAN Meter used before) has cp313 manylinux wheels only."""
    assert _pip_download("3.14", "musllinux_1_2_x86_64", ["cydrogen==0.0.10"], tmp_path)
    assert _pip_download("3.13", "manylinux_2_28_x86_64", ["cydrogen==0.0.10"], tmp_path) is None


# hassfest's dependency rule (issue 31 item 6): an integration imported outside TYPE_CHECKING
# must be in `dependencies` or `after_dependencies`, unless Home Assistant always sets it up
# (entity platforms and a few internal ones), the manifest's discovery keys bring it, or it is
# a platform file of LAN Meter's own (diagnostics.py, device_trigger.py...).
ALWAYS_LOADED = {
    "device_automation", "frontend", "homeassistant", "persistent_notification",
    "system_health", "websocket_api", "automation", "script", "group", "zone",
}  # fmt: skip
DISCOVERY_KEYS = {"dhcp": "dhcp", "ssdp": "ssdp", "zeroconf": "zeroconf", "usb": "usb"}


def _imported_integrations(package: Path) -> dict[str, set[str]]:
    """Core integrations each module imports at run time (TYPE_CHECKING blocks skipped)."""
    import ast

    found: dict[str, set[str]] = {}

    def visit(node: ast.AST, names: set[str]) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in node.orelse:
                visit(child, names)
            return
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("homeassistant.components."):
                names.add(node.module.split(".")[2])
            elif node.module == "homeassistant.components":
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("homeassistant.components."):
                    names.add(alias.name.split(".")[2])
        for child in ast.iter_child_nodes(node):
            visit(child, names)

    for path in package.rglob("*.py"):
        names: set[str] = set()
        visit(ast.parse(path.read_text()), names)
        found[str(path.relative_to(package))] = names
    return found


def _undeclared(package: Path, manifest: dict[str, Any]) -> dict[str, set[str]]:
    from homeassistant.const import Platform

    allowed = (
        {platform.value for platform in Platform}
        | ALWAYS_LOADED
        | set(manifest.get("dependencies", []))
        | set(manifest.get("after_dependencies", []))
        | {domain for key, domain in DISCOVERY_KEYS.items() if key in manifest}
        | {path.stem for path in package.glob("*.py")}
    )
    return {
        module: names - allowed
        for module, names in _imported_integrations(package).items()
        if names - allowed
    }


def test_every_imported_integration_is_declared() -> None:
    manifest = json.loads((COMPONENT / "manifest.json").read_text())
    assert _undeclared(COMPONENT, manifest) == {}


def test_the_import_rule_catches_an_undeclared_integration(tmp_path: Path) -> None:
    (tmp_path / "watch.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from homeassistant.components.energy import data\n"
        "if TYPE_CHECKING:\n    from homeassistant.components.mqtt import MqttData\n"
    )
    assert _undeclared(tmp_path, {}) == {"watch.py": {"energy"}}
    assert _undeclared(tmp_path, {"after_dependencies": ["energy"]}) == {}
