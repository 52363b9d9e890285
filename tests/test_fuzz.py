"""Property-based tests: every parser that takes LAN input survives anything (devkit/fuzz_targets).

Each gets FUZZ_EXAMPLES generated inputs (2,000 by default) per run; `scripts/fuzz` runs 10,000+
and prints what it tried. An input that makes a parser raise what its caller does not catch
fails here with that input, shrunk by hypothesis.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
import pytest

from devkit.fuzz_targets import TARGETS, Target

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_parser_holds_under_generated_input(target: Target) -> None:
    tried = 0

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same inputs every run; scripts/fuzz explores new ones
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target.inputs)
    def check(value: object) -> None:
        nonlocal tried
        tried += 1
        escaped = target.escape(value)
        assert escaped is None, f"{target.name} let {escaped!r} escape"

    check()
    assert tried >= EXAMPLES * 0.9  # the strategy really produced that many inputs
