"""The allocation problem: which collector owns which case for the coming cycle.

Plain frozen dataclasses; money in integer cents, workload in integer minutes, distances in metres.
Locations are WGS-84 latitude and longitude. Invariants are checked on construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from allocation.exceptions import InvalidAllocation


@dataclass(frozen=True)
class Case:
    """An overdue case to be owned by one collector."""

    id: str
    lat: float
    lon: float
    value: int  # expected recovery, cents
    workload: int  # expected effort this cycle, minutes
    balance: int = 0  # outstanding balance, cents
    bucket: str = "M1"
    required_skills: frozenset[str] = frozenset()
    current_collector: str | None = None
    region: str | None = None
    mandatory: bool = False
    excluded_collectors: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        where = f"cases[{self.id}]"
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise InvalidAllocation(f"{where}.location", "coordinates out of range")
        for name in ("value", "workload", "balance"):
            if getattr(self, name) < 0:
                raise InvalidAllocation(f"{where}.{name}", "must not be negative")


@dataclass(frozen=True)
class Collector:
    """A collector with a base, capacities and a territory.

    ``current_cases`` and ``current_workload`` count cases the collector keeps that are not in
    this request. ``regions`` of ``None`` means the collector may work anywhere.
    """

    id: str
    lat: float
    lon: float
    capacity_cases: int | None = None
    capacity_workload: int | None = None  # minutes
    skills: frozenset[str] = frozenset()
    regions: frozenset[str] | None = None
    current_cases: int = 0
    current_workload: int = 0

    def __post_init__(self) -> None:
        where = f"collectors[{self.id}]"
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise InvalidAllocation(f"{where}.base", "coordinates out of range")
        for name in ("capacity_cases", "capacity_workload", "current_cases", "current_workload"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidAllocation(f"{where}.{name}", "must not be negative")

    @property
    def room_cases(self) -> int | None:
        """How many more cases fit (None: no limit)."""
        if self.capacity_cases is None:
            return None
        return max(0, self.capacity_cases - self.current_cases)

    @property
    def room_workload(self) -> int | None:
        """How many more minutes of work fit (None: no limit)."""
        if self.capacity_workload is None:
            return None
        return max(0, self.capacity_workload - self.current_workload)


@dataclass(frozen=True)
class Policy:
    """Trade-offs of the allocation.

    Travel burden of a case = one round trip from the collector's base per cycle, at
    ``speed_kmh`` over the straight-line distance times ``detour_factor``, costed at
    ``travel_cost_per_hour``. ``continuity_bonus`` rewards keeping a case with its current collector;
    at most ``max_reassignment_share`` of the cases that have a collector may change hands.
    ``balance_tolerance`` (e.g. 0.1) asks every collector's workload to stay within that share of
    the team mean; each minute outside costs ``balance_cost_per_hour / 60``.
    """

    max_distance_m: int | None = None
    travel_cost_per_hour: int = 3000
    speed_kmh: float = 25.0
    detour_factor: float = 1.3
    continuity_bonus: int = 0
    max_reassignment_share: float | None = None
    balance_tolerance: float | None = None
    balance_cost_per_hour: int = 0
    neighbours: int = 10

    def __post_init__(self) -> None:
        if self.max_distance_m is not None and self.max_distance_m < 0:
            raise InvalidAllocation("policy.max_distance_m", "must not be negative")
        if self.max_reassignment_share is not None and not 0 <= self.max_reassignment_share <= 1:
            raise InvalidAllocation("policy.max_reassignment_share", "must lie in [0, 1]")
        if self.balance_tolerance is not None and self.balance_tolerance < 0:
            raise InvalidAllocation("policy.balance_tolerance", "must not be negative")
        if self.neighbours < 1:
            raise InvalidAllocation("policy.neighbours", "must be at least 1")
        if not self.speed_kmh > 0:
            raise InvalidAllocation("policy.speed_kmh", "must be positive")


@dataclass(frozen=True)
class Options:
    """How to solve: ``method`` is ``exact`` (CP-SAT), ``scalable`` (min-cost flow + repair) or
    ``auto`` (exact up to ``exact_up_to`` cases).

    ``deterministic``: the allocation depends on the input alone, never on the clock or the
    machine: ``auto`` then means ``scalable`` (CP-SAT's search is cut by time), the search for a
    price on moves runs to its end, and the bound takes a fixed number of steps."""

    time_limit: float = 10.0
    seed: int = 0
    workers: int = 1
    method: str = "auto"
    exact_up_to: int = 3000
    deterministic: bool = False

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise InvalidAllocation("options.time_limit", "must be positive")
        if self.method not in ("auto", "exact", "scalable"):
            raise InvalidAllocation("options.method", "must be auto, exact or scalable")
        if self.deterministic and self.method == "exact":
            raise InvalidAllocation("options.method", "the exact method stops on the clock, so "
                                    "it cannot be deterministic: use auto or scalable")


@dataclass(frozen=True, eq=False)
class AllocationProblem:
    """Cases, collectors, policy and options of one allocation run."""

    cases: tuple[Case, ...]
    collectors: tuple[Collector, ...]
    policy: Policy = field(default_factory=Policy)
    options: Options = field(default_factory=Options)

    def __post_init__(self) -> None:
        for name, items in (("cases", self.cases), ("collectors", self.collectors)):
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise InvalidAllocation(name, f"duplicate id {item.id!r}")
                seen.add(item.id)
        ids = {c.id for c in self.collectors}
        skills = ({s for c in self.cases for s in c.required_skills}
                  | {s for k in self.collectors for s in k.skills})
        if len(skills) > MAX_SKILLS:
            raise InvalidAllocation("skills", f"at most {MAX_SKILLS} distinct skills in one "
                                              f"request, got {len(skills)}")
        total = sum(c.value for c in self.cases) + self.policy.continuity_bonus * len(self.cases)
        if total > MAX_TOTAL_VALUE:
            raise InvalidAllocation("cases", "the values add up to more than the solver's integer "
                                             "arithmetic holds; state amounts in a larger unit")
        for case in self.cases:
            if case.current_collector is not None and case.current_collector not in ids:
                raise InvalidAllocation(f"cases[{case.id}].current_collector",
                                        f"collector {case.current_collector!r} is not in the request")


# Skills are bits of one 64-bit mask per case and collector (candidates.Eligibility).
MAX_SKILLS = 63

# CP-SAT and the min-cost flow keep the objective in int64 next to travel and balance terms.
MAX_TOTAL_VALUE = 2**53
