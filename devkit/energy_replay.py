"""What the Energy dashboard makes of a total_increasing sensor (pure Python): Home Assistant's
long-term statistics add each change of the state, except a fall below 90 % of the previous
value, which starts a new meter cycle counted from zero; a smaller fall is added as it is
(negative). Tests and the soak benchmark replay a total's states through it against the
simulators' truth."""

from __future__ import annotations

from collections.abc import Iterable


def dashboard_sum(states: Iterable[str | float]) -> float:
    """The energy the dashboard books from a sensor's states in order (`unavailable` and
    `unknown` skipped, as the recorder's statistics skip them)."""
    total = 0.0
    previous: float | None = None
    for state in states:
        try:
            value = float(state)
        except ValueError:
            continue
        if previous is not None:
            total += value if value < 0.9 * previous else value - previous
        previous = value
    return total
