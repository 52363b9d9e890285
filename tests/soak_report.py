"""The soak's figures (`./scripts/bench soak`): each fault scenario's total beside the truth.

The fault tests assert exactness; with LANMETER_SOAK_REPORT set to a file, each also appends
what it compared (the scenario, the total, the Energy dashboard's sum and the truth, kWh) as a
JSON line, so the soak's table comes from the very runs the tests check."""

from __future__ import annotations

import json
import os


def report(total: str, booked_kwh: float, truth_kwh: float) -> None:
    path = os.environ.get("LANMETER_SOAK_REPORT")
    if not path:
        return
    scenario = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]
    line = {"scenario": scenario, "total": total, "booked": booked_kwh, "truth": truth_kwh}
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(line) + "\n")
