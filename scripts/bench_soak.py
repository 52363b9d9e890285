"""`./scripts/bench soak`: the table of issue 36's fault scenarios, each total's Energy dashboard
sum against the simulators' truth (the figures the fault tests wrote; see tests/soak_report.py).
"""

from __future__ import annotations

import json
from pathlib import Path
import sys


def table(lines: list[dict[str, object]]) -> str:
    rows = [
        "| scenario | total | dashboard (kWh) | truth (kWh) | error (Wh) | error |",
        "|---|---|---|---|---|---|",
    ]
    for line in lines:
        booked, truth = float(str(line["booked"])), float(str(line["truth"]))
        error_wh = (booked - truth) * 1000
        share = f"{error_wh / (truth * 1000):+.2%}" if truth else "n/a"
        scenario = str(line["scenario"]).split("::")[-1]
        rows.append(
            f"| {scenario} | {line['total']} | {booked:.4f} | {truth:.4f} | "
            f"{error_wh:+.1f} | {share} |"
        )
    return "\n".join(rows)


def main(argv: list[str]) -> None:
    path = Path(argv[0] if argv else ".cache/soak.jsonl")
    lines = [json.loads(text) for text in path.read_text().splitlines() if text.strip()]
    print(table(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
