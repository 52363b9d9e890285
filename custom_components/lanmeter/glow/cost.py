"""Today's electricity cost, accumulated per reading so a mid-day rate change does not rewrite
the hours already used (the local-MQTT integrations compute day kWh x current rate, which jumps).
Pure Python.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ..stored import record


@dataclass
class CostToday:
    """Standing charge once per day plus each interval's kWh at the rate in force then."""

    day: str | None = None  # ISO date of the local day being accumulated
    cost_gbp: float = 0.0
    standing_added: bool = False
    last_import_kwh: float | None = None

    def update(
        self,
        today: date,
        import_kwh: float | None,
        unit_rate_gbp: float | None,
        standing_charge_gbp: float | None,
    ) -> float | None:
        """Account for a new reading; return today's cost so far (None until a rate is known)."""
        if self.day != today.isoformat():
            self.day = today.isoformat()
            self.cost_gbp = 0.0
            self.standing_added = False
        if not self.standing_added and standing_charge_gbp is not None:
            self.cost_gbp += standing_charge_gbp
            self.standing_added = True
        if import_kwh is not None:
            used = import_kwh - self.last_import_kwh if self.last_import_kwh is not None else 0.0
            # A lower register (a replaced meter) costs nothing; the next interval counts again.
            if used > 0 and unit_rate_gbp is not None:
                self.cost_gbp += used * unit_rate_gbp
            self.last_import_kwh = import_kwh
        if unit_rate_gbp is None and not self.standing_added:
            return None
        return round(self.cost_gbp, 4)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CostToday:
        """From storage; StoredRecordError if the record is not of this shape."""
        return record(cls, data) if data else cls()
