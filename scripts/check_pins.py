"""`./scripts/check_pins`: what Home Assistant core pins, on every supported release, for the
libraries LAN Meter requires, and whether LAN Meter's manifest accepts each pin.

For each minor release from hacs.json's minimum to the newest on PyPI, the newest patch's wheel
is read where it lies on PyPI (HTTP range requests for the zip's directory and the few files
needed: the tplink, wemo and mqtt manifests and package_constraints.txt); nothing is installed
or imported. Prints a Markdown table; exits 1 if any release has a pin LAN Meter rejects.
"""

from __future__ import annotations

import argparse
from functools import cache
import io
import json
from pathlib import Path
import sys
from typing import Any
from urllib.parse import urljoin
import urllib.request
import zipfile

from packaging.requirements import Requirement
from packaging.version import Version

from devkit.core_pins import conflicts, core_pins, extras_of

ROOT = Path(__file__).resolve().parent.parent
PYPI = "https://pypi.org/pypi"
SHARED = ("python-kasa", "kasa-crypt", "pywemo", "paho-mqtt")


def _json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.load(answer)


class RemoteFile(io.RawIOBase):
    """A file on an HTTP server read by range requests: zipfile reads a wheel's directory and
    single members without downloading the whole wheel."""

    def __init__(self, url: str) -> None:
        self.url, self.position = url, 0
        request = urllib.request.Request(url, method="HEAD")
        with urllib.request.urlopen(request, timeout=60) as answer:
            self.size = int(answer.headers["Content-Length"])

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = base + offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self.size - self.position)
        if size <= 0:
            return 0
        end = self.position + size - 1
        request = urllib.request.Request(
            self.url, headers={"Range": f"bytes={self.position}-{end}"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            data = answer.read()
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


@cache
def _releases(package: str) -> dict[str, list[dict[str, Any]]]:
    """Every release's files (PyPI's JSON API; its per-version pages are not always served)."""
    releases: dict[str, list[dict[str, Any]]] = _json(f"{PYPI}/{package}/json")["releases"]
    return releases


def _wheel(package: str, version: str) -> zipfile.ZipFile:
    url = next(f["url"] for f in _releases(package)[version] if f["filename"].endswith(".whl"))
    # A mirror may answer with addresses relative to the JSON page.
    return zipfile.ZipFile(RemoteFile(urljoin(f"{PYPI}/{package}/json", url)))


def newest_patches(minimum: Version) -> list[Version]:
    """The newest final patch of every minor release from `minimum` on."""
    releases = _releases("homeassistant")
    newest: dict[tuple[int, int], Version] = {}
    for text, files in releases.items():
        version = Version(text)
        if version.is_prerelease or version < minimum or not files:
            continue
        if not any(f["filename"].endswith(".whl") for f in files):
            continue
        key = (version.major, version.minor)
        if key not in newest or version > newest[key]:
            newest[key] = version
    return [newest[key] for key in sorted(newest)]


@cache
def _extras(package: str, version: str) -> dict[str, list[str]]:
    """package[extra] -> its requirements, from that version's wheel metadata."""
    with _wheel(package, version) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode()
    return extras_of(
        package,
        (
            header.removeprefix("Requires-Dist:").strip()
            for header in metadata.splitlines()
            if header.startswith("Requires-Dist:")
        ),
    )


def release_pins(version: Version) -> dict[str, Any]:
    with _wheel("homeassistant", str(version)) as archive:
        names = set(archive.namelist())

        def read(path: str) -> str | None:
            member = f"homeassistant/{path}"
            return archive.read(member).decode() if member in names else None

        manifest = read("components/tplink/manifest.json")
        kasa_version = None
        if manifest:
            for line in json.loads(manifest).get("requirements", []):
                requirement = Requirement(line)
                if requirement.name == "python-kasa":
                    kasa_version = str(requirement.specifier).removeprefix("==")
        extras = _extras("python-kasa", kasa_version) if kasa_version else {}
        return core_pins(read, extras)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--since", help="first release (default: hacs.json's minimum)")
    args = parser.parse_args(argv)
    minimum = Version(args.since or json.loads((ROOT / "hacs.json").read_text())["homeassistant"])
    requirements = json.loads((ROOT / "custom_components/lanmeter/manifest.json").read_text())[
        "requirements"
    ]
    print(f"LAN Meter requires: {', '.join(requirements)}\n")
    print("| Home Assistant | " + " | ".join(SHARED) + " | LAN Meter accepts |")
    print("|---|" + "---|" * len(SHARED) + "---|")
    failed = False
    for version in newest_patches(minimum):
        pins = release_pins(version)
        found = conflicts(requirements, pins)
        failed |= bool(found)
        cells = [pins[name].specifier if name in pins else "-" for name in SHARED]
        verdict = "yes" if not found else "NO: " + "; ".join(found)
        print(f"| {version} | " + " | ".join(cells) + f" | {verdict} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
