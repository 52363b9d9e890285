"""The release a version tag would publish (devkit/release.py, run by the release workflow):
license, versions that agree, and the zip HACS installs."""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess
import zipfile

import pytest

from devkit import release

pytestmark = pytest.mark.repo_check
REPO = release.REPO


def test_the_project_is_apache_2_licensed() -> None:
    text = (REPO / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert 'license = "Apache-2.0"' in (REPO / "pyproject.toml").read_text()
    assert "Apache-2.0" in (REPO / "README.md").read_text()


def test_manifest_pyproject_and_changelog_name_the_same_version() -> None:
    version = release.check()
    assert f'version = "{version}"' in (REPO / "pyproject.toml").read_text()
    assert release.check(f"v{version}") == version
    with pytest.raises(release.ReleaseError, match="is not"):
        release.check("v99.0.0")
    notes = release.release_notes(version)
    assert "### " in notes and "## [" not in notes  # the entry's sections, not its neighbours


def test_a_changelog_ahead_of_the_manifest_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "# Changelog\n\n## [9.9.9] - 2030-01-01\n\n### Added\n- x\n"
    versions = release.changelog_versions(text)
    monkeypatch.setattr(release, "changelog_versions", lambda: versions)
    with pytest.raises(release.ReleaseError, match=r"newest CHANGELOG\.md entry is 9\.9\.9"):
        release.check()


def test_the_zip_holds_exactly_the_integrations_files(tmp_path: Path) -> None:
    hacs = json.loads((REPO / "hacs.json").read_text())
    assert hacs["zip_release"] is True and hacs["filename"] == release.ZIP_NAME
    # Byte code lies beside the sources after any test run: it must never be shipped.
    cache = release.INTEGRATION / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "stray.cpython-313.pyc").write_bytes(b"\0")
    built = release.build_zip(tmp_path / "a")
    with zipfile.ZipFile(built) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        json.loads(archive.read("translations/en.json"))
        json.loads(archive.read("icons.json"))
    assert manifest["domain"] == "lanmeter"
    assert not any("__pycache__" in n or n.endswith(".pyc") or "test" in n for n in names)
    if shutil.which("git") and (REPO / ".git").exists():
        tracked = subprocess.run(
            ["git", "ls-files", "custom_components/lanmeter"],
            cwd=REPO, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert names == {str(Path(p).relative_to("custom_components/lanmeter")) for p in tracked}
    # The same sources give the same zip.
    again = release.build_zip(tmp_path / "b")
    assert built.read_bytes() == again.read_bytes()


def test_release_command_line(tmp_path: Path) -> None:
    assert release.main(["zip", str(tmp_path)]) == 0
    assert (tmp_path / release.ZIP_NAME).is_file()
    assert release.main(["check", "v0.0.1"]) == 1
