"""What Home Assistant core pins for the libraries LAN Meter shares with it, read from a release's
files without importing anything: the manifests of the core integrations that use them and
`package_constraints.txt`. Used by the pins test (the installed release) and scripts/check_pins
(every supported release's wheel)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
import json

from packaging.requirements import Requirement
from packaging.version import Version

# The core integrations whose requirements LAN Meter shares.
CORE_INTEGRATIONS = ("tplink", "wemo", "mqtt")


@dataclass(frozen=True)
class Pin:
    """One library as core asks for it: an exact version, or a range (an extra's floor)."""

    name: str
    specifier: str
    source: str  # where core says so

    @property
    def version(self) -> Version | None:
        """The pinned version, if it is one (==)."""
        spec = self.specifier
        return Version(spec[2:]) if spec.startswith("==") and "," not in spec else None


def extras_of(package: str, requires: Iterable[str]) -> dict[str, list[str]]:
    """package[extra] -> that extra's requirements, from a package's Requires-Dist lines."""
    extras: dict[str, list[str]] = {}
    for line in requires:
        requirement = Requirement(line)
        marker = str(requirement.marker or "")
        if "extra ==" in marker:
            extra = marker.split("extra ==")[1].strip().strip("'\"")
            requirement.marker = None
            extras.setdefault(f"{package}[{extra}]", []).append(str(requirement))
    return extras


def core_pins(read: Callable[[str], str | None], extras: dict[str, list[str]]) -> dict[str, Pin]:
    """Core's pins in one release. `read(path)` gives a file of the `homeassistant` package
    (None if missing); `extras` maps "package[extra]" to that extra's requirements (read from the
    library's metadata, e.g. python-kasa[speedups] -> kasa-crypt>=0.2.0)."""
    pins: dict[str, Pin] = {}
    for integration in CORE_INTEGRATIONS:
        text = read(f"components/{integration}/manifest.json")
        if text is None:
            continue
        for line in json.loads(text).get("requirements", []):
            requirement = Requirement(line)
            name = requirement.name.lower()
            pins[name] = Pin(name, str(requirement.specifier), f"{integration} manifest")
            for extra in sorted(requirement.extras):
                for extra_line in extras.get(f"{name}[{extra}]", []):
                    extra_requirement = Requirement(extra_line)
                    extra_name = extra_requirement.name.lower()
                    pins.setdefault(
                        extra_name,
                        Pin(
                            extra_name,
                            str(extra_requirement.specifier),
                            f"{integration}: {name}[{extra}]",
                        ),
                    )
    constraints = read("package_constraints.txt") or ""
    for raw in constraints.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except ValueError:
            continue
        name = requirement.name.lower()
        if str(requirement.specifier).startswith("=="):
            pins[name] = Pin(name, str(requirement.specifier), "package_constraints.txt")
    return pins


def conflicts(requirements: list[str], pins: dict[str, Pin]) -> list[str]:
    """LAN Meter's requirements that reject what core pins, in words (empty: none)."""
    found = []
    for line in requirements:
        requirement = Requirement(line)
        pin = pins.get(requirement.name.lower())
        if pin is None or pin.version is None:
            continue
        if pin.version not in requirement.specifier:
            found.append(f"{line} rejects core's {pin.name}{pin.specifier} ({pin.source})")
    return found
