"""README's checklist for adding a kind, kept honest: every kind in KINDS has each item, and a
kind that lacks one fails here (issue 32)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from custom_components.lanmeter.kinds import KINDS
from custom_components.lanmeter.runtime import DISCOVERY_SOURCES
from devkit.demo_devices import DEMO_DEVICES
from devkit.simulators import SIMULATOR_OF

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "lanmeter"
README = Path(__file__).resolve().parent.parent / "README.md"
KIND_FILES = (
    "spec.py",
    "__init__.py",
    "coordinator.py",
    "entities.py",
    "config_flow.py",
    "const.py",
)
# README's checklist, item by item (each names what this test checks).
CHECKLIST = (
    "its package",
    "one entry in `KINDS`",
    "its menu label",
    "its first step's title",
    "its simulator",
    "a demo device",
    "its discovery sources",
)


def translations() -> dict:
    return json.loads((PACKAGE / "translations" / "en.json").read_text())


def test_readme_has_the_checklist_this_test_checks() -> None:
    text = README.read_text()
    section = text[text.index("Adding a kind, checklist") :]
    section = section[: section.index("\n## ")]
    for item in CHECKLIST:
        assert item in section, item


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_its_package_files(kind: str) -> None:
    for name in KIND_FILES:
        assert (PACKAGE / kind / name).is_file(), f"{kind}/{name}"
    spec_module = importlib.import_module(f"custom_components.lanmeter.{kind}.spec")
    assert KINDS[kind] in vars(spec_module).values()  # its spec.py exports the spec in KINDS


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_its_menu_label_and_first_step(kind: str) -> None:
    steps = translations()["config"]["step"]
    assert steps["user"]["menu_options"].get(kind), f"no menu label for {kind}"
    assert steps.get(kind, {}).get("title"), f"no title for the {kind} step"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_a_simulator_and_a_demo_device(kind: str) -> None:
    assert kind in SIMULATOR_OF, f"devkit/simulators: no entry for {kind}"
    if (module := SIMULATOR_OF[kind]) is not None:
        importlib.import_module(f"devkit.simulators.{module}")
    first_steps = [device.flow_steps[0] for device in DEMO_DEVICES if device.flow_steps]
    assert {"next_step_id": kind} in first_steps, f"the demo adds no {kind}"


def test_the_manifests_matchers_are_the_discovery_sources_the_kinds_answer() -> None:
    manifest = json.loads((PACKAGE / "manifest.json").read_text())
    routed = {source for spec in KINDS.values() for source in spec.discovered_by}
    assert routed <= set(DISCOVERY_SOURCES)
    assert {source for source in DISCOVERY_SOURCES if manifest.get(source)} == routed


def test_no_test_module_imports_from_another() -> None:
    """Helpers and fixtures live in tests/kinds/ (fixtures registered in the root conftest), so
    a test module never imports another's: a helper moved or renamed breaks only its users."""
    tests = Path(__file__).resolve().parent
    offenders = [
        f"{path.relative_to(tests)}: {line.strip()}"
        for path in sorted(tests.rglob("*.py"))
        for line in path.read_text().splitlines()
        if line.lstrip().startswith(("from tests.test_", "import tests.test_"))
    ]
    assert offenders == []
