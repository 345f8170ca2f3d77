"""The day-plan problem: plain frozen dataclasses, integer seconds, metres and value units.

Times are seconds from the problem's origin (a moment the caller chooses, e.g. the earliest shift
start); values are integer money units (e.g. cents). Locations are indices into the travel matrix.
Invariants are checked on construction, so the solver never sees a malformed problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from routing.exceptions import InvalidProblem


@dataclass(frozen=True)
class TimeWindow:
    """A closed interval ``[start, end]`` of seconds."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidProblem("time_window", f"ends ({self.end}) before it starts ({self.start})")

    def intersect(self, other: TimeWindow) -> TimeWindow | None:
        """The overlap of two windows, or ``None`` if they do not meet."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return TimeWindow(start, end) if start <= end else None


@dataclass(frozen=True)
class Break:
    """A break of ``duration`` seconds taken entirely inside ``[earliest_start, latest_end]``."""

    earliest_start: int
    latest_end: int
    duration: int

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise InvalidProblem("break.duration", "must not be negative")
        if self.latest_end - self.earliest_start < self.duration:
            raise InvalidProblem("break", "the window is shorter than the break")


@dataclass(frozen=True)
class Collector:
    """A collector (or a crew of ``crew_size``) with a shift, starting and ending at locations."""

    id: str
    start_location: int
    end_location: int
    shift_start: int
    shift_end: int
    lunch_break: Break | None = None
    max_visits: int | None = None
    max_travel_time: int | None = None
    skills: frozenset[str] = frozenset()
    crew_size: int = 1
    capacity: int | None = None  # generic load capacity (benchmarks' vehicle capacity)
    value_factor: float = 1.0  # the share of each visit's value this route earns (week plans)
    person: str | None = None  # whose route this is, where one person has several (week plans)

    def __post_init__(self) -> None:
        where = f"collectors[{self.id}]"
        if self.shift_end < self.shift_start:
            raise InvalidProblem(f"{where}.shift", "ends before it starts")
        if self.shift_start < 0:
            raise InvalidProblem(f"{where}.shift", "starts before the problem's origin")
        for name in ("max_visits", "max_travel_time", "capacity"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InvalidProblem(f"{where}.{name}", "must not be negative")
        if not 0 < self.value_factor <= 1:
            raise InvalidProblem(f"{where}.value_factor", "must be above 0 and at most 1")
        if self.crew_size < 1:
            raise InvalidProblem(f"{where}.crew_size", "must be at least 1")
        brk = self.lunch_break
        if brk is not None and (
            brk.earliest_start < self.shift_start or brk.latest_end > self.shift_end
        ):
            raise InvalidProblem(f"{where}.lunch_break", "must lie inside the shift")


@dataclass(frozen=True)
class Customer:
    """A customer who may be visited once today.

    ``time_windows`` bound the whole visit: service starts and ends inside one of them.
    ``legal_window`` is the part of the day in which the law allows a visit (``None``: no limit).
    ``days_since_last_visit`` is ``None`` when the customer was never visited.
    """

    id: str
    location: int
    value: int
    service_duration: int
    time_windows: tuple[TimeWindow, ...]
    mandatory: bool = False
    required_skills: frozenset[str] = frozenset()
    allowed_collectors: frozenset[str] | None = None
    preferred_collector: str | None = None
    needs_two_person: bool = False
    days_since_last_visit: int | None = None
    legal_window: TimeWindow | None = None
    demand: int = 0

    def __post_init__(self) -> None:
        where = f"customers[{self.id}]"
        if self.value < 0:
            raise InvalidProblem(f"{where}.value", "must not be negative")
        if self.service_duration < 0:
            raise InvalidProblem(f"{where}.service_duration", "must not be negative")
        if not self.time_windows:
            raise InvalidProblem(f"{where}.time_windows", "needs at least one window")
        if self.demand < 0:
            raise InvalidProblem(f"{where}.demand", "must not be negative")


@dataclass(frozen=True)
class Policy:
    """The trade-offs and collection rules of the day.

    ``travel_cost_per_hour`` is in value units per hour of driving. ``preferred_bonus`` is added to
    a customer's value when the preferred collector makes the visit. ``balance_cost_per_visit``
    is charged per visit of the busiest route (0: no balancing).
    """

    min_rest_days: int = 0
    travel_cost_per_hour: int = 0
    preferred_bonus: int = 0
    balance_cost_per_visit: int = 0

    def __post_init__(self) -> None:
        for name in ("min_rest_days", "travel_cost_per_hour", "preferred_bonus",
                     "balance_cost_per_visit"):
            if getattr(self, name) < 0:
                raise InvalidProblem(f"policy.{name}", "must not be negative")


@dataclass(frozen=True)
class Options:
    """How to search.

    In deterministic mode the search stops after ``work_limit`` search branches instead of at
    a wall-clock limit, so the same input gives the same plan on any machine; ``time_limit`` then
    stays only as a safety net (the plan reports when it was hit).
    """

    time_limit: float = 10.0
    seed: int = 0
    deterministic: bool = False
    work_limit: int = 5000

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise InvalidProblem("options.time_limit", "must be positive")
        if self.work_limit < 1:
            raise InvalidProblem("options.work_limit", "must be at least 1")


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Square integer matrices of travel ``durations`` (seconds) and ``distances`` (metres)."""

    durations: np.ndarray
    distances: np.ndarray

    def __post_init__(self) -> None:
        for name in ("durations", "distances"):
            matrix = getattr(self, name)
            if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
                raise InvalidProblem(f"travel.{name}", f"must be square, got shape {matrix.shape}")
            if not np.issubdtype(matrix.dtype, np.integer):
                raise InvalidProblem(f"travel.{name}", "must hold integers")
            if matrix.size and matrix.min() < 0:
                raise InvalidProblem(f"travel.{name}", "must not hold negative values")
        if self.durations.shape != self.distances.shape:
            raise InvalidProblem("travel", "durations and distances differ in shape")

    @classmethod
    def stand_in(cls, num_locations: int) -> TravelMatrix:
        """No travel between ``num_locations`` places, in no memory (a read-only view of one
        zero): for checking a problem before its travel is worked out."""
        zeros = np.broadcast_to(np.int64(0), (num_locations, num_locations))
        return cls(zeros, zeros)

    @property
    def num_locations(self) -> int:
        """How many locations the matrices cover."""
        return self.durations.shape[0]


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything the engine needs to plan one day."""

    collectors: tuple[Collector, ...]
    customers: tuple[Customer, ...]
    travel: TravelMatrix
    policy: Policy = field(default_factory=Policy)
    options: Options = field(default_factory=Options)

    def __post_init__(self) -> None:
        _check_unique("collectors", [c.id for c in self.collectors])
        _check_unique("customers", [c.id for c in self.customers])
        n = self.travel.num_locations
        ids = {c.id for c in self.collectors}
        names = ids | {c.person for c in self.collectors if c.person is not None}
        for c in self.collectors:
            for name in ("start_location", "end_location"):
                if not 0 <= getattr(c, name) < n:
                    raise InvalidProblem(f"collectors[{c.id}].{name}", f"is not in 0..{n - 1}")
        for c in self.customers:
            if not 0 <= c.location < n:
                raise InvalidProblem(f"customers[{c.id}].location", f"is not in 0..{n - 1}")
            unknown = (c.allowed_collectors or frozenset()) - ids
            if unknown:
                raise InvalidProblem(f"customers[{c.id}].allowed_collectors",
                                     f"unknown collector(s) {sorted(unknown)}")
            if c.preferred_collector is not None and c.preferred_collector not in names:
                raise InvalidProblem(f"customers[{c.id}].preferred_collector",
                                     f"unknown collector {c.preferred_collector!r}")
        total = sum(c.value for c in self.customers) + (
            self.policy.preferred_bonus * len(self.customers))
        if total > MAX_TOTAL_VALUE:
            raise InvalidProblem("customers", "the values add up to more than the solver's integer "
                                              "arithmetic holds; state amounts in a larger unit")

    @property
    def num_collectors(self) -> int:
        """How many collectors (vehicles) the day has."""
        return len(self.collectors)

    @property
    def num_customers(self) -> int:
        """How many customers the day has."""
        return len(self.customers)


def route_earnings(problem: Problem, collector: Collector, route: Sequence[int],
                   travel_time: int) -> float:
    """What a route earns in the model's terms: the value of its visits (the collector's share
    of it), plus the relationship
    bonus of those made by the preferred collector, minus the cost of ``travel_time`` seconds
    of driving."""
    customers, policy = problem.customers, problem.policy
    return (collector.value_factor * sum(customers[i].value for i in route)
            + policy.preferred_bonus * sum(prefers(customers[i], collector) for i in route)
            - travel_time * policy.travel_cost_per_hour / 3600)


def prefers(customer: Customer, collector: Collector) -> bool:
    """Whether ``collector``'s route is the customer's preferred one: it is the preferred
    collector, or a route of the preferred person."""
    preferred = customer.preferred_collector
    return preferred is not None and preferred in (collector.id, collector.person)


# The search's objective is an int64 in value units x 3600, with a penalty for leaving out a
# mandatory customer of four times all values together (routing.model): this keeps it in range.
MAX_TOTAL_VALUE = 2**60 // (3600 * 8)


def _check_unique(name: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise InvalidProblem(name, f"duplicate id {i!r}")
        seen.add(i)
