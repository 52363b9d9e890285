"""Home Assistant's validator rules for translations, icons and services, applied on every change.

hassfest (Home Assistant core's `script/hassfest`, run by .github/workflows/validate.yml) only
runs on GitHub, and its translation rules are not part of the `homeassistant` package. Where the
package has the rule (HTML in strings, selectors), it is used; the rest of hassfest's rules for
translation values are re-implemented here. Then the code and en.json are walked against each
other: every key the code uses is translated, and no key lingers unused.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
import string

from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import selector
import pytest
import voluptuous as vol
import yaml

pytestmark = pytest.mark.repo_check

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "lanmeter"
STRINGS = json.loads((PACKAGE / "translations" / "en.json").read_text())
ICONS = json.loads((PACKAGE / "icons.json").read_text())
SERVICES = yaml.safe_load((PACKAGE / "services.yaml").read_text())

# hassfest's rules for a translated string (its translations.py), in our own words:
# a URL with a scheme or www. (links go in placeholders), a placeholder in single quotes, and a
# [%key:...%] reference combined with other text.
URL = re.compile(
    r"(?:(?:https?|ftps?|scp|mqtts?|socket|socks5)://|www\.)"
    r"[a-z0-9]+(?:[-.][a-z0-9]+)*\.[a-z]{2,5}(?::\d{1,5})?(?:/.*)?",
    re.IGNORECASE,
)
QUOTED_PLACEHOLDER = re.compile(r"'\{\w+\}'")
COMBINED_REFERENCE = re.compile(r".\[%|%\].")
TRANSLATION_KEY = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


def translation_problem(value: str) -> str | None:
    """Why hassfest would refuse this translated string, or None."""
    try:
        cv.string_with_no_html(value)
    except vol.Invalid:
        return "contains HTML (the frontend renders it as markup)"
    if QUOTED_PLACEHOLDER.search(value):
        return "a placeholder inside single quotes"
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(value) if field]
    except ValueError as err:
        return f"unbalanced braces ({err})"
    if bad := [field for field in fields if not field.isidentifier()]:
        return f"placeholders that are not identifiers: {bad}"
    if COMBINED_REFERENCE.search(value):
        return "a [%key:...%] reference combined with other text"
    if value != value.strip():
        return "leading or trailing spaces"
    if URL.search(value):
        return "a URL (put it in a description placeholder)"
    return None


def leaves(node: object, path: str = "") -> Iterator[tuple[str, object]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}.{key}" if path else key)
    else:
        yield path, node


def test_the_rules_catch_what_hassfest_refuses() -> None:
    # The Glow MQTT help text as it was (issue 24): the frontend ate <prefix> and <MAC>.
    old = "The CAD publishes under <prefix>/<MAC>/...; glow unless you changed it."
    assert translation_problem(old) == "contains HTML (the frontend renders it as markup)"
    assert translation_problem("See https://example.com/docs") is not None
    assert translation_problem("Use '{port}'") is not None
    assert translation_problem("Port {0port}") is not None
    assert translation_problem("Port {port") is not None
    assert translation_problem(" padded") is not None
    assert translation_problem("[%key:common::config_flow::error::unknown%] too") is not None
    assert translation_problem("Answer *.pool.ntp.org from your router (port {port}).") is None


def test_every_string_follows_hassfests_rules() -> None:
    problems = [
        f"{path}: {why}"
        for path, value in leaves(STRINGS)
        if isinstance(value, str) and (why := translation_problem(value))
    ]
    assert problems == []


def test_field_descriptions_describe_fields_of_their_step() -> None:
    for flow in ("config", "options"):
        for step_id, step in STRINGS[flow]["step"].items():
            described = set(step.get("data_description", {}))
            assert described <= set(step.get("data", {})), (flow, step_id)


def test_translation_keys_are_well_formed() -> None:
    sections = [*STRINGS["entity"].values(), STRINGS["exceptions"], STRINGS["issues"]]
    sections += [STRINGS["selector"], STRINGS["services"]]
    keys = [key for section in sections for key in section]
    assert [key for key in keys if not TRANSLATION_KEY.match(key)] == []


def test_services_validate_against_home_assistants_selectors() -> None:
    for service, spec in SERVICES.items():
        assert service in STRINGS["services"], service
        assert service in ICONS["services"], service
        for field, field_spec in (spec.get("fields") or {}).items():
            selector.validate_selector(field_spec["selector"])  # raises if invalid
            assert field in STRINGS["services"][service]["fields"], (service, field)
            for key in ("name", "description"):
                assert STRINGS["services"][service]["fields"][field].get(key), (service, field)


def test_icons_name_translated_entities() -> None:
    for platform, entities in ICONS["entity"].items():
        for key in entities:
            assert key in STRINGS["entity"].get(platform, {}), f"icons.json {platform}.{key}"


# ----- the code's keys against en.json --------------------------------------------------------


def _sources() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(), str(path))


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


# Description factories whose first argument is the entity's translation key.
DESCRIBED_BY_KEY = {
    "value_sensor",
    "clock_offset_sensor",
    "_sensor",
    "_energy",
    "_insight",
    "_binary",
}


def _argument(call: ast.Call, index: int) -> str | None:
    return _literal(call.args[index]) if len(call.args) > index else None


def used_keys() -> dict[str, set[str]]:
    """Keys the code names where Home Assistant looks them up: step ids, abort reasons, form
    errors, exception, issue and entity translation keys."""
    used: dict[str, set[str]] = {k: set() for k in ("step", "abort", "error", "key", "issue")}
    sorts = {"step_id": "step", "reason": "abort", "translation_key": "key"}
    for _, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg in sorts and (value := _literal(keyword.value)):
                        used[sorts[keyword.arg]].add(value)
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "RepairIssue" and (value := _argument(node, 1)):
                    used["issue"].add(value)
                if name in DESCRIBED_BY_KEY and (value := _argument(node, 0)):
                    used["key"].add(value)
            elif isinstance(node, ast.Assign) and (value := _literal(node.value)):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and getattr(target.value, "id", "") in {
                        "errors"
                    }:
                        used["error"].add(value)
                    if isinstance(target, ast.Attribute) and target.attr == "error":
                        used["error"].add(value)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if _literal(key) == "base" and (error := _literal(value)):
                        used["error"].add(error)
    return used


def all_literals() -> set[str]:
    return {
        node.value
        for _, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_every_key_the_code_uses_is_translated() -> None:
    used = used_keys()
    config, options = STRINGS["config"], STRINGS["options"]
    steps = set(config["step"]) | set(options["step"])
    aborts = set(config["abort"]) | set(options.get("abort", {}))
    errors = set(config["error"]) | set(options.get("error", {}))
    entity_keys = {key for platform in STRINGS["entity"].values() for key in platform}
    # translation_key= names an entity's, an exception's, a selector's or an issue's key.
    keyed = entity_keys | set(STRINGS["exceptions"]) | set(STRINGS["selector"])
    keyed |= set(STRINGS["issues"])
    assert used["step"] - steps == set()
    assert used["abort"] - aborts == set()
    assert used["error"] - errors == set()
    assert used["issue"] - set(STRINGS["issues"]) == set()
    assert used["key"] - keyed == set()
    assert used["step"] and used["abort"] and used["error"] and used["key"]  # the walk works


def test_no_translation_lingers_unused() -> None:
    literals = all_literals()
    # Keys Home Assistant itself uses for every flow, without our code naming them.
    by_home_assistant = {"already_configured", "reauth_successful", "reconfigure_successful"}
    sections = {
        "config.step": STRINGS["config"]["step"],
        "config.error": STRINGS["config"]["error"],
        "config.abort": STRINGS["config"]["abort"],
        "options.error": STRINGS["options"].get("error", {}),
        "exceptions": STRINGS["exceptions"],
        "issues": STRINGS["issues"],
    }
    unused = [
        f"{section}.{key}"
        for section, keys in sections.items()
        for key in keys
        if key not in literals and key not in by_home_assistant
    ]
    assert unused == []
