"""Learning the appliances hiding in "Other" from the home power's paired on/off steps.

Each on/off pair the step pairer explains with no known device (no Kasa outlet or Insight
changed with it) is a *run*: its size, how long it lasted, when it started. Runs of about the
same size (Hart's pairing tolerance, as the pairer uses) are one *signature*; a signature seen
MIN_RUNS times within WINDOW_S becomes a candidate the user can name or ignore. Signatures keep
their identity once offered (a stable key and size), so a candidate ignored is never offered
again, and a named appliance's later runs are its own. Pure Python (no Home Assistant).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import math
import statistics
from typing import Any

from .breakdown import steps_match

WINDOW_S = 14 * 86400.0
MIN_RUNS = 5
MIN_SIZE_W = 100.0  # smaller steps are lamps and chargers: too many alike to tell apart
NEAR_SHARE = 0.08  # how far a named appliance's step up may be from its size (see NamedRuns)
MAX_RUNS_KEPT = 2000  # a bound on what is stored, whatever the household does

OFFERED, IGNORED, NAMED = "offered", "ignored", "named"


@dataclass(frozen=True)
class Run:
    """One on/off of an appliance no known device explains."""

    started: float  # epoch seconds
    size_w: float
    duration_s: float
    hour: int  # the local hour it started in (0-23): "mostly around 7:00"


@dataclass
class Signature:
    """A learned appliance: offered to the user, ignored, or named."""

    key: str
    size_w: float
    longest_s: float = math.inf  # a run longer than this is no run of it (a mispaired step)
    status: str = OFFERED
    name: str | None = None
    merged_w: list[float] = field(default_factory=list)  # sizes of signatures merged into it

    def size_like(self, size_w: float) -> float | None:
        """Its size (or a merged one's) that a step of this size matches, the closest."""
        sizes = [s for s in (self.size_w, *self.merged_w) if steps_match(s, size_w)]
        return min(sizes, key=lambda s: abs(s - abs(size_w)), default=None)


@dataclass(frozen=True)
class Candidate:
    """What the discovery flow says about a signature ("about 2.1 kW, 6 runs, ~3 min, ~7:00")."""

    key: str
    size_w: float
    runs: int
    duration_s: float
    hour: int


@dataclass
class ApplianceLearner:
    runs: list[Run] = field(default_factory=list)
    signatures: dict[str, Signature] = field(default_factory=dict)

    def add(self, run: Run) -> None:
        if abs(run.size_w) < MIN_SIZE_W or run.duration_s <= 0:
            return
        self.runs.append(Run(run.started, abs(run.size_w), run.duration_s, run.hour))
        cutoff = run.started - WINDOW_S
        self.runs = [r for r in self.runs if r.started >= cutoff][-MAX_RUNS_KEPT:]

    def signature_of(self, size_w: float, duration_s: float = 0.0) -> Signature | None:
        """The learned signature a step of this size (and a run this long) belongs to, the
        closest in size, if any."""
        matching = [
            (abs(like - abs(size_w)), s)
            for s in self.signatures.values()
            if (like := s.size_like(size_w)) is not None and duration_s <= s.longest_s
        ]
        return min(matching, key=lambda pair: pair[0], default=(0.0, None))[1]

    def new_candidates(self) -> list[Candidate]:
        """Signatures seen often enough that are not offered, ignored or named yet, each
        recorded as offered (its key is stable from now on)."""
        found = []
        for group in self._groups():
            size = _median_size(group)
            if len(group) < MIN_RUNS or self.signature_of(size) is not None:
                continue
            # Named by its first run: never one a forgotten or merged signature had (an
            # ignored one's key stays ignored in Home Assistant).
            key = f"appliance_{round(min(r.started for r in group))}_{round(size)}w"
            self.signatures[key] = Signature(key, size, longest_s=_longest(group))
            found.append(_candidate(key, size, group))
        return found

    def describe(self, key: str) -> Candidate:
        """A signature's runs in the window as the flow tells them."""
        signature = self.signatures[key]
        runs = [r for r in self.runs if signature.size_like(r.size_w) is not None]
        return _candidate(key, signature.size_w, runs)

    def ignore(self, key: str) -> None:
        self.signatures[key].status = IGNORED

    def name(self, key: str, name: str) -> None:
        signature = self.signatures[key]
        signature.status, signature.name = NAMED, name

    def forget(self, key: str) -> None:
        """A deleted appliance: forgotten with its runs, so it may be found again."""
        signature = self.signatures.pop(key)
        self.runs = [r for r in self.runs if signature.size_like(r.size_w) is None]

    def merge(self, key: str, into: str) -> None:
        """Two signatures are one appliance (a kettle boiled full and half full): `key`'s sizes
        become `into`'s, and its runs are `into`'s from now on (it is not offered again)."""
        if key == into:
            raise ValueError("an appliance cannot be merged into itself")
        merged, kept = self.signatures.pop(key), self.signatures[into]
        kept.merged_w += [merged.size_w, *merged.merged_w]
        kept.longest_s = max(kept.longest_s, merged.longest_s)

    def described(self, key: str) -> str:
        """How the options flow lists it: its name, or its size and status."""
        signature = self.signatures[key]
        kw = f"{signature.size_w / 1000:.1f} kW"
        return f"{signature.name} ({kw})" if signature.name else f"About {kw} ({signature.status})"

    def named(self) -> list[Signature]:
        return [s for s in self.signatures.values() if s.status == NAMED]

    def _groups(self) -> list[list[Run]]:
        """Runs by size: sorted, a new group wherever a run does not match its group's median
        (so a group never spans more than one tolerance). Each group is sorted by size."""
        groups: list[list[Run]] = []
        for run in sorted(self.runs, key=lambda r: r.size_w):
            if groups and steps_match(_median_size(groups[-1]), run.size_w):
                groups[-1].append(run)
            else:
                groups.append([run])
        return groups

    def as_dict(self) -> dict[str, Any]:
        return {
            "runs": [asdict(r) for r in self.runs],
            "signatures": [asdict(s) for s in self.signatures.values()],
        }

    @classmethod
    def from_dict(cls, data: Any) -> ApplianceLearner:
        """Stored state back; anything malformed raises (the loader starts afresh)."""
        runs = [Run(**r) for r in data.get("runs", [])]
        signatures = [Signature(**s) for s in data.get("signatures", [])]
        numbers = [n for r in runs for n in (r.started, r.size_w, r.duration_s)]
        numbers += [n for s in signatures for n in (s.size_w, s.longest_s, *s.merged_w)]
        if not all(isinstance(n, int | float) and not math.isnan(n) for n in numbers):
            raise ValueError("a stored appliance is not a number")
        if any(s.status not in (OFFERED, IGNORED, NAMED) for s in signatures):
            raise ValueError("a stored appliance has an unknown status")
        return cls(runs, {s.key: s for s in signatures})


def _longest(runs: list[Run]) -> float:
    """How long a run of this signature may last: three times its median length (a kettle's
    3 minutes allow 9; a washer's heater at the same size, 15 minutes, is not the kettle). The
    median, as a few mispaired steps (an on paired with a much later off) are long."""
    return 3.0 * statistics.median(r.duration_s for r in runs)


def _median_size(runs_by_size: list[Run]) -> float:
    """The median size of runs already sorted by size: read off the middle, not sorted again
    (learning runs on the event loop at every unexplained run, over up to MAX_RUNS_KEPT)."""
    middle = len(runs_by_size) // 2
    return (runs_by_size[(len(runs_by_size) - 1) // 2].size_w + runs_by_size[middle].size_w) / 2


def _candidate(key: str, size_w: float, runs: list[Run]) -> Candidate:
    return Candidate(
        key=key,
        size_w=round(size_w),
        runs=len(runs),
        duration_s=round(statistics.median(r.duration_s for r in runs)) if runs else 0,
        hour=statistics.mode([r.hour for r in runs] or [0]),
    )


@dataclass
class NamedRuns:
    """The named appliances live: which is running (since when, at what size) and the energy
    each has used (booked when a run ends, so the total only grows), from the home's steps. A
    step up of a named appliance's size (and no known device's) starts it; a step down of its
    size ends it; a run longer than three times its usual length was another load of its size
    (a washer's heater as big as the kettle): it ends there and books no energy."""

    energy_kwh: dict[str, float] = field(default_factory=dict)
    running: dict[str, tuple[float, float]] = field(default_factory=dict)  # key: (since, W)

    def step(self, learner: ApplianceLearner, at: float, size_w: float) -> list[tuple[str, str]]:
        """(key, "turned_on" or "turned_off") of each named appliance the step is (none, one,
        or two switched on within one reading: the kettle and the toaster)."""
        if size_w > 0:
            signature = learner.signature_of(size_w) or self._near(learner, size_w)
            if signature is None:
                return [(key, "turned_on") for key in self._two_at_once(learner, at, size_w)]
            if signature.status != NAMED or signature.key in self.running:
                return []
            self.running[signature.key] = (at, signature.size_like(size_w) or signature.size_w)
            return [(signature.key, "turned_on")]
        latest_first = sorted(self.running, key=lambda k: -self.running[k][0])
        ending = next((k for k in latest_first if steps_match(self.running[k][1], size_w)), None)
        if ending is None:  # measured a little off (a step right after another): the nearest
            near = [
                (abs(watts + size_w), key)
                for key, (_, watts) in self.running.items()
                if abs(watts + size_w) <= NEAR_SHARE * watts
            ]
            ending = min(near, default=(0.0, None))[1]
        if ending is None:
            return []
        self._end(ending, at - self.running[ending][0])
        return [(ending, "turned_off")]

    def _near(self, learner: ApplianceLearner, size_w: float) -> Signature | None:
        """A step up no signature matches, near an idle named one (within NEAR_SHARE): the
        detector reports a step as soon as its size is known to ~15 %, and one a reading after
        another (the toaster just after the kettle) is measured on a single reading."""
        idle = self._idle(learner)
        near = [
            (abs(s.size_w - size_w), s)
            for s in idle
            if abs(s.size_w - size_w) <= NEAR_SHARE * s.size_w
        ]
        return min(near, key=lambda pair: pair[0], default=(0.0, None))[1]

    def _idle(self, learner: ApplianceLearner) -> list[Signature]:
        """The named appliances not running now."""
        return [s for s in learner.named() if s.key not in self.running]

    def _two_at_once(self, learner: ApplianceLearner, at: float, size_w: float) -> list[str]:
        """A step no signature is, that two named appliances not running make together (the
        closest such pair): both started."""
        idle = self._idle(learner)
        pairs = [
            (abs(a.size_w + b.size_w - size_w), a, b)
            for i, a in enumerate(idle)
            for b in idle[i + 1 :]
            if steps_match(a.size_w + b.size_w, size_w)
        ]
        if not pairs:
            return []
        _, first, second = min(pairs, key=lambda pair: pair[0])
        for signature in (first, second):
            self.running[signature.key] = (at, signature.size_w)
        return [first.key, second.key]

    def expire(self, learner: ApplianceLearner, now: float) -> list[str]:
        """End the runs far longer than their appliance runs (another load); their keys."""
        ended = []
        for key, (since, _) in list(self.running.items()):
            signature = learner.signatures.get(key)
            longest = signature.longest_s if signature and signature.status == NAMED else 0.0
            if now - since > longest:
                self._end(key, 0.0)  # not this appliance (a bigger load of its size): no energy
                ended.append(key)
        return ended

    def power_w(self, key: str) -> float:
        """While running: its size; else 0."""
        return self.running[key][1] if key in self.running else 0.0

    def _end(self, key: str, duration_s: float) -> None:
        _, watts = self.running.pop(key)
        self.energy_kwh[key] = self.energy_kwh.get(key, 0.0) + watts * max(0.0, duration_s) / 3.6e6

    def as_dict(self) -> dict[str, Any]:
        return {"energy_kwh": self.energy_kwh}

    @classmethod
    def from_dict(cls, data: Any) -> NamedRuns:
        """Only the energy is kept: a run open at a restart is not known to be still on."""
        energy = {str(k): float(v) for k, v in data.get("energy_kwh", {}).items()}
        if not all(math.isfinite(v) and v >= 0 for v in energy.values()):
            raise ValueError("a stored appliance energy is not a number")
        return cls(energy)


@dataclass
class ApplianceModel:
    """The home's appliances in one object (no Home Assistant): what Other's unexplained runs
    taught (learning, offering) and the named ones live (which is running, the energy each
    used). Steps of the mains go in, the named appliances' on/off come out; naming, merging and
    forgetting change its own state. Stored as two records ("appliances", "appliance_energy"),
    the layout of the version before it."""

    learner: ApplianceLearner = field(default_factory=ApplianceLearner)
    live: NamedRuns = field(default_factory=NamedRuns)

    def step(self, at: float, size_w: float) -> list[tuple[str, str]]:
        """(key, "turned_on" or "turned_off") of each named appliance a step is."""
        return self.live.step(self.learner, at, size_w)

    def learn(self, run: Run) -> list[Candidate]:
        """A run no known device explains; the candidates it completes (to offer)."""
        self.learner.add(run)
        return self.learner.new_candidates()

    def expire(self, now: float) -> list[str]:
        """The named appliances whose run lasted too long to be theirs (ended, no energy)."""
        return self.live.expire(self.learner, now)

    def offered(self) -> list[Candidate]:
        """Candidates offered and neither named nor ignored yet (offered again at a start)."""
        return [
            self.describe(s.key) for s in self.learner.signatures.values() if s.status == OFFERED
        ]

    def knows(self, key: str) -> bool:
        return key in self.learner.signatures

    def learned_keys(self) -> list[str]:
        return list(self.learner.signatures)

    def describe(self, key: str) -> Candidate:
        return self.learner.describe(key)

    def described(self, key: str) -> str:
        return self.learner.described(key)

    def status(self, key: str) -> str:
        return self.learner.signatures[key].status

    def named(self) -> list[Signature]:
        return self.learner.named()

    def name(self, key: str, name: str) -> None:
        self.learner.name(key, name)

    def forget(self, key: str) -> None:
        """A named appliance deleted: forgotten with its runs (it may be found again)."""
        self.learner.forget(key)
        self.live.running.pop(key, None)

    def merge(self, key: str, into: str) -> None:
        """`key` is part of the named `into` from now on (see ApplianceLearner.merge)."""
        self.learner.merge(key, into)
        self.live.running.pop(key, None)

    def power_w(self, key: str) -> float:
        return self.live.power_w(key)

    def energy_kwh(self, key: str) -> float:
        return self.live.energy_kwh.get(key, 0.0)
