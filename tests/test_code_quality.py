"""ruff and mypy over the repository: lint, formatting and strict types are part of the suite,
so CI enforces them."""

from __future__ import annotations

from pathlib import Path
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

# Checks of the repository, not of behaviour on one Home Assistant: the floor leg runs them.
pytestmark = pytest.mark.repo_check


def ruff() -> str:
    beside_python = Path(sys.executable).with_name("ruff")
    found = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    assert found, "ruff is not installed: run ./scripts/setup"
    return found


def test_ruff_check_is_clean() -> None:
    result = subprocess.run(
        [ruff(), "check", "--no-cache", "--output-format", "concise", "."],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = subprocess.run(
        [ruff(), "format", "--check", "--no-cache", "."],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    """The integration type-checks in mypy's strict mode ([tool.mypy] in pyproject.toml)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
