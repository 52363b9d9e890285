"""Dispatch `scripts/bench <kind> ...` to the kind's benchmark."""

from __future__ import annotations

import sys

from scripts import (
    bench_appliances,
    bench_cycles,
    bench_flume,
    bench_glow,
    bench_home,
    bench_kasa,
    bench_wemo,
)

BENCHES = {
    "kasa": bench_kasa.run,
    "glow": bench_glow.main,
    "home": bench_home.main,
    "flume": bench_flume.main,
    "wemo": bench_wemo.main,
    "cycles": bench_cycles.main,
    "appliances": bench_appliances.main,
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHES:
        sys.exit(f"usage: scripts/bench {{{','.join(BENCHES)}}} [options]  (--help after the kind)")
    BENCHES[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
