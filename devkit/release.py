"""Releases: the zip HACS installs, and the checks a version tag must pass.

    python -m devkit.release check v0.2.0     tag == manifest version == newest changelog entry
    python -m devkit.release notes 0.2.0      that entry's text (the GitHub release's notes)
    python -m devkit.release zip dist/        dist/lanmeter.zip from custom_components/lanmeter/

The release workflow (.github/workflows/release.yml) runs these; the floor leg's tests run the
same functions (tests/test_release.py), so what the workflow would publish is checked here.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import re
import sys
import zipfile

REPO = Path(__file__).resolve().parent.parent
INTEGRATION = REPO / "custom_components" / "lanmeter"
CHANGELOG = REPO / "CHANGELOG.md"
ZIP_NAME = "lanmeter.zip"  # hacs.json's filename
# A release heading in Keep a Changelog form: "## [0.2.0] - 2026-12-01".
RELEASE_HEADING = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}\s*$", re.M)
# What is never shipped: byte code, caches, editor and OS leftovers.
LEFT_OUT_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
LEFT_OUT_SUFFIXES = {".pyc", ".pyo", ".orig", ".rej", ".swp"}
# Fixed member times: the same sources give the same zip, byte for byte.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class ReleaseError(Exception):
    """The tag, the manifest and the changelog disagree, or the changelog has no release."""


def manifest_version() -> str:
    return str(json.loads((INTEGRATION / "manifest.json").read_text())["version"])


def changelog_versions(text: str | None = None) -> list[str]:
    """The released versions in the changelog, newest first (Unreleased is not one)."""
    return [m["version"] for m in RELEASE_HEADING.finditer(text or CHANGELOG.read_text())]


def release_notes(version: str, text: str | None = None) -> str:
    """The changelog's entry for `version`, without its heading."""
    text = text or CHANGELOG.read_text()
    matches = list(RELEASE_HEADING.finditer(text))
    for index, match in enumerate(matches):
        if match["version"] == version:
            end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            body = text[match.end() : end]
            # Link references at the end of the file belong to no entry.
            body = re.split(r"^\[[^\]]+\]: ", body, maxsplit=1, flags=re.M)[0]
            return body.strip() + "\n"
    raise ReleaseError(f"CHANGELOG.md has no entry for {version}")


def check(tag: str | None = None) -> str:
    """The version being released; ReleaseError unless tag, manifest and changelog agree."""
    version = manifest_version()
    versions = changelog_versions()
    if not versions:
        raise ReleaseError("CHANGELOG.md has no released version")
    if versions[0] != version:
        raise ReleaseError(
            f"manifest.json says {version}, the newest CHANGELOG.md entry is {versions[0]}"
        )
    if tag is not None and tag.removeprefix("v") != version:
        raise ReleaseError(f"tag {tag} is not v{version} (manifest.json and CHANGELOG.md)")
    return version


def shipped_files() -> list[Path]:
    """The integration's files, as they are shipped (sorted, relative to its folder)."""
    files = []
    for path in sorted(INTEGRATION.rglob("*")):
        relative = path.relative_to(INTEGRATION)
        if not path.is_file() or path.suffix in LEFT_OUT_SUFFIXES:
            continue
        if any(part in LEFT_OUT_DIRS or part.startswith(".") for part in relative.parts):
            continue
        files.append(relative)
    return files


def build_zip(out_dir: Path) -> Path:
    """lanmeter.zip with the integration's files at its root (HACS unpacks it into
    custom_components/lanmeter/)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ZIP_NAME
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative in shipped_files():
            info = zipfile.ZipInfo(relative.as_posix(), ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (INTEGRATION / relative).read_bytes())
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m devkit.release", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check").add_argument("tag", nargs="?")
    sub.add_parser("notes").add_argument("version")
    sub.add_parser("zip").add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            print(check(args.tag))
        elif args.command == "notes":
            sys.stdout.write(release_notes(args.version))
        else:
            print(build_zip(args.out_dir))
    except ReleaseError as err:
        print(f"release: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
