"""Whether a strip lost power since LAN Meter last read it, from the strip's own evidence (pure
Python, no Home Assistant).

A strip's energy registers restart from zero when it loses power. The ledger (ledger.py) sees a
restart by itself when the register reads lower than before; but when Home Assistant lost power
with the strip and came back late, the register may have grown back past its old level, and
looks like plain growth. The strip keeps no uptime; its relays' on-time is the evidence: a relay
that is on restarts its on-time when the strip powers up. So:

- a relay that has been on since before the last reading proves the strip kept its power (all
  outlets share it): no restart;
- otherwise, when at least one relay is on, the strip powered up no later than the earliest of
  their switch-on times after the last reading;
- an outlet's register restarted then if it can have counted its reading from zero since (not
  more than its rated maximum in that time), and its reading is nearer what it would read
  counting from zero at its present power than what it would read had it kept its old level: a
  relay switched off and on in the app while Home Assistant was down keeps its register, and
  reads its old level plus the same growth.

With no relay on at the first reading after the cut there is no evidence (README, *Meter totals
you can trust*).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..ledger import RegisterLimits, kwh_per_s

# On-time comes in whole seconds (cut short): a relay on since before the last reading can look
# switched on up to this long after it. (The poll's time is taken before it asks, so the
# answer's delay only makes the relay look older.)
SLACK_S = 1.0


@dataclass(frozen=True)
class OutletEvidence:
    """One outlet at a poll, beside its ledger's last booked reading."""

    is_on: bool
    on_time_s: float | None  # how long its relay has been on, as the strip says
    register_kwh: float | None  # read now (None: not read)
    power_w: float | None
    booked_kwh: float | None  # the ledger's last booked register
    booked_at: float | None  # and when it was read (Home Assistant's unix seconds)


def powered_up_at(outlets: Sequence[OutletEvidence], now: float) -> float | None:
    """When the strip powered up after the last reading, if its relays say so; else None."""
    read_at = [o.booked_at for o in outlets if o.booked_at is not None]
    switched_on = [now - o.on_time_s for o in outlets if o.is_on and o.on_time_s is not None]
    if not read_at or not switched_on:
        return None
    earliest = min(switched_on)
    return earliest if earliest > max(read_at) + SLACK_S else None


def register_restarted(
    outlet: OutletEvidence, powered_up: float, now: float, limits: RegisterLimits
) -> bool:
    """Whether this outlet's reading counts from zero since the strip powered up."""
    raw, booked = outlet.register_kwh, outlet.booked_kwh
    if raw is None or booked is None or outlet.booked_at is None:
        return False
    if outlet.booked_at >= powered_up or booked <= limits.resolution:
        return False  # read since, or nothing to lose
    age = max(now - powered_up, 0.0)
    if raw > limits.max_per_s * age + limits.resolution:
        return False  # more than it could have counted since
    from_zero = kwh_per_s(outlet.power_w or 0.0) * age
    # Nearer "from zero" than "its old level plus the same growth": closer to from_zero than
    # to booked + from_zero, i.e. below the midpoint between them.
    return raw < from_zero + booked / 2
