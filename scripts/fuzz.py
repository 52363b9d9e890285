"""Fuzz every LAN parser (devkit/fuzz_targets.py) with many generated inputs; print per parser the
inputs tried and the exceptions that escaped (must be 0). Exit 1 if any escaped."""

from __future__ import annotations

import argparse
from collections import Counter
import logging
import sys
import time

from hypothesis import HealthCheck, given, settings

from devkit.fuzz_targets import TARGETS, Target


def fuzz(target: Target, examples: int) -> tuple[int, Counter[str], str | None]:
    tried = 0
    escaped: Counter[str] = Counter()
    first: str | None = None

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(target.inputs)
    def run(value: object) -> None:
        nonlocal tried, first
        tried += 1
        if (error := target.escape(value)) is not None:
            escaped[type(error).__name__] += 1
            if first is None:
                first = f"{error!r} from {value!r:.200}"

    run()
    return tried, escaped, first


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per parser")
    parser.add_argument("targets", nargs="*", help="only these parsers (default: all)")
    args = parser.parse_args()
    # Libraries log every malformed value they meet (pywemo: "Unexpected ... value"); thousands of
    # lines would bury the report.
    logging.disable(logging.CRITICAL)
    chosen = [t for t in TARGETS if not args.targets or t.name in args.targets]
    total_escaped = 0
    print(f"{'parser':<16} {'tried':>8} {'escaped':>8} {'seconds':>8}")
    for target in chosen:
        started = time.monotonic()
        tried, escaped, first = fuzz(target, args.examples)
        count = sum(escaped.values())
        total_escaped += count
        print(f"{target.name:<16} {tried:>8} {count:>8} {time.monotonic() - started:>8.1f}")
        if first:
            print(f"  first escape: {first}  {dict(escaped)}")
    print(f"{len(chosen)} parsers, {total_escaped} escaped exceptions")
    sys.exit(1 if total_escaped else 0)


if __name__ == "__main__":
    main()
