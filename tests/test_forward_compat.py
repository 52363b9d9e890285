"""Every name LAN Meter imports from Home Assistant must exist, undeprecated, in 2026.11.0.

Users run current Home Assistant; the tests run 2025.4.4 (Python 3.13). scripts/setup downloads
the 2026.11.0 wheel; this test reads its source with `ast` and never imports it (it needs 3.14).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path
import re
import zipfile

import pytest

from tests.conftest import REPO_ROOT

# Checks of the repository, not of behaviour on one Home Assistant: the floor leg runs them.
pytestmark = pytest.mark.repo_check

FUTURE_WHEELS = REPO_ROOT / ".cache" / "ha-2026.11.0"
COMPONENT = REPO_ROOT / "custom_components" / "lanmeter"
# Things Home Assistant calls to warn at run time that an API is going away.
UNPARENTHESISED_EXCEPT = re.compile(r"^(\s*except\s+)([\w.]+(?:\s*,\s*[\w.]+)+)\s*:", re.MULTILINE)
DEPRECATION_CALLS = {"report_usage", "report", "_print_deprecation_warning", "deprecated_function"}


@dataclass(frozen=True)
class Imported:
    """One `from homeassistant.x import name` (name None for `import homeassistant.x`)."""

    module: str
    name: str | None
    where: str


def integration_imports() -> list[Imported]:
    """Every homeassistant import in the integration's source."""
    found = []
    for path in sorted(COMPONENT.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(REPO_ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("homeassistant"):
                found.extend(Imported(node.module, alias.name, where) for alias in node.names)
            elif isinstance(node, ast.Import):
                found.extend(
                    Imported(alias.name, None, where)
                    for alias in node.names
                    if alias.name.startswith("homeassistant")
                )
    return found


class FutureSource:
    """The source of one Home Assistant wheel, read from the zip."""

    def __init__(self, wheel: Path) -> None:
        self._zip = zipfile.ZipFile(wheel)
        self._files = set(self._zip.namelist())

    def module_path(self, module: str) -> str | None:
        base = module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self._files:
                return candidate
        return None

    @cache  # noqa: B019 - one wheel per test session
    def tree(self, module: str) -> ast.Module:
        path = self.module_path(module)
        assert path is not None
        return ast.parse(as_py313(self._zip.read(path).decode()), filename=path)

    def problem(self, module: str, name: str | None, depth: int = 0) -> str | None:
        """Why `from module import name` would break or warn in this release, or None."""
        if self.module_path(module) is None:
            return f"module {module} does not exist"
        if name is None or self.module_path(f"{module}.{name}") is not None:
            return None
        body = self.tree(module).body
        statements = list(top_level_statements(body))
        for index, node in enumerate(statements):
            if defines(node, f"_DEPRECATED_{name}"):
                return f"{module}.{name} is a deprecated constant"
            if not defines(node, name):
                continue
            if is_flagged_deprecated(node, statements[index + 1 : index + 2]):
                return f"{module}.{name} is marked deprecated"
            if isinstance(node, ast.ImportFrom) and depth < 3:
                source = resolve_relative(module, node, self.module_path(module) or "")
                original = next(a.name for a in node.names if (a.asname or a.name) == name)
                return self.problem(source, original, depth + 1)
            return None
        return f"{module} has no name {name}"


def as_py313(source: str) -> str:
    """Rewrite Python 3.14's unparenthesised `except A, B:` (PEP 758) so 3.13's ast parses it."""
    return UNPARENTHESISED_EXCEPT.sub(r"\1(\2):", source)


def top_level_statements(body: list[ast.stmt]):
    """Module-level statements, looking inside `if`/`try` blocks (TYPE_CHECKING, fallbacks)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from top_level_statements(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from top_level_statements(node.body + node.orelse + node.finalbody)
        else:
            yield node


def defines(node: ast.stmt, name: str) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name == name
    if isinstance(node, ast.TypeAlias):
        return node.name.id == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    if isinstance(node, ast.ImportFrom | ast.Import):
        return any((a.asname or a.name.split(".")[0]) == name for a in node.names)
    return False


def is_flagged_deprecated(node: ast.stmt, following: list[ast.stmt]) -> bool:
    """A deprecation decorator, a run-time deprecation report, or a "Deprecated" docstring."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        for decorator in node.decorator_list:
            if "deprecat" in ast.unparse(decorator).lower():
                return True
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        # A report on every call deprecates the function. A report inside an `if` is about how
        # it is called (a missing argument): the current test leg runs those calls and fails on
        # any report, so here it is not counted.
        for statement in node.body:
            if isinstance(statement, ast.If | ast.Try | ast.With | ast.For | ast.While):
                continue
            for call in ast.walk(statement):
                if isinstance(call, ast.Call):
                    func = call.func
                    called = (
                        func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    )
                    if called in DEPRECATION_CALLS:
                        return True
    for after in following:
        if (
            isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and str(after.value.value).lower().startswith("deprecated")
        ):
            return True
    return False


def resolve_relative(module: str, node: ast.ImportFrom, path: str) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.endswith("__init__.py") else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


@pytest.fixture(scope="module")
def future() -> FutureSource:
    wheels = sorted(FUTURE_WHEELS.glob("homeassistant-2026.11.0-*.whl"))
    assert wheels, f"{FUTURE_WHEELS} holds no homeassistant 2026.11.0 wheel: run ./scripts/setup"
    return FutureSource(wheels[0])


def test_integration_imports_something() -> None:
    """Guard: the scan must see the integration's imports, or the next test proves nothing."""
    modules = {i.module for i in integration_imports()}
    assert "homeassistant.config_entries" in modules
    assert "homeassistant.helpers.update_coordinator" in modules


def test_every_import_exists_undeprecated_in_2026_11(future: FutureSource) -> None:
    problems = [
        f"{i.where}: {problem}"
        for i in integration_imports()
        if (problem := future.problem(i.module, i.name))
    ]
    assert not problems, "\n".join(problems)


def test_checker_catches_removed_and_deprecated_names(future: FutureSource) -> None:
    """The checker itself: known-removed and known-deprecated names must be reported."""
    assert future.problem("homeassistant.const", "ATTR_VIA_DEVICE")
    assert future.problem("homeassistant.const", "NO_SUCH_NAME_ANYWHERE")
    assert future.problem("homeassistant.components.no_such_component", None)
    assert future.problem("homeassistant.config_entries", "ConfigEntry") is None


def test_kinds_with_update_listeners_let_the_listener_reload() -> None:
    """Home Assistant 2026.11 reports (and 2026.12 breaks) flows that reload an entry that has
    an update listener: such kinds must leave the reload to the listener."""
    for package in sorted(p for p in COMPONENT.iterdir() if (p / "config_flow.py").exists()):
        sources = "".join(f.read_text() for f in package.glob("*.py"))
        if "add_update_listener" not in sources:
            continue
        tree = ast.parse((package / "config_flow.py").read_text())
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = getattr(call.func, "attr", "")
            assert name != "async_update_reload_and_abort", package.name
            if name == "_abort_if_unique_id_configured" and any(
                k.arg == "updates" for k in call.keywords
            ):
                reload = next((k for k in call.keywords if k.arg == "reload_on_update"), None)
                assert reload is not None and ast.literal_eval(reload.value) is False, (
                    f"{package.name}: _abort_if_unique_id_configured(updates=...) must pass "
                    "reload_on_update=False"
                )
