"""Re-planning the rest of a day that has begun.

A day plan meets the street and goes wrong: visits run long, a collector stops, urgent customers
come in. :func:`replan` takes the day's problem as it now stands (customers added or cancelled,
windows changed), this morning's plan and what happened (:class:`Events`), and plans the rest:

- visits done or under way are fixed (:class:`Fixed`): they keep their collector and times;
- each collector goes on from where and when they are: the latest of their last fixed visit,
  their reported position (:class:`Position`) and now; a collector who stopped gets nothing more;
- the rest is a day problem of its own (:func:`rest_of_day`), searched from what still fits of
  this morning's plan, with every customer of that plan preferring their collector by
  ``Disruption.move_threshold``: a visit moves to another collector, or is dropped, only where
  that gains more than the threshold (value units);
- the result is the whole day (fixed steps, then the new ones) and, per collector, what changed
  (:mod:`routing.changes`), so the dispatcher phones only those affected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from routing.changes import Change, Planned, changes
from routing.exceptions import InvalidProblem
from routing.problem import Break, Collector, Customer, Problem
from routing.solution import Plan
from routing.stitch import Restart, whole_day


@dataclass(frozen=True)
class Fixed:
    """A visit that happened (or is under way: ``service_end`` is when it should end). It keeps
    its collector and times."""

    customer: str
    collector: str
    arrival: int
    service_start: int
    service_end: int
    under_way: bool = False


@dataclass(frozen=True)
class Position:
    """Where a collector reported being (a location of the travel matrix), and when."""

    collector: str
    location: int
    time: int


@dataclass(frozen=True)
class Events:
    """What happened since the plan was made, as of ``now`` (seconds from the origin)."""

    now: int
    fixed: tuple[Fixed, ...] = ()
    positions: tuple[Position, ...] = ()
    stopped: frozenset[str] = frozenset()  # collectors who stop for the day
    breaks_taken: frozenset[str] = frozenset()  # collectors who had their lunch break


@dataclass(frozen=True)
class Disruption:
    """How much change a re-plan allows. ``move_threshold``: value units a visit must gain to
    move to another collector or be dropped (0: plan the rest afresh); ``retime_seconds``: a
    visit whose start moves by more than this is reported as re-timed."""

    move_threshold: int = 0
    retime_seconds: int = 900

    def __post_init__(self) -> None:
        if self.move_threshold < 0:
            raise InvalidProblem("disruption.move_threshold", "must not be negative")
        if self.retime_seconds < 0:
            raise InvalidProblem("disruption.retime_seconds", "must not be negative")


@dataclass(frozen=True)
class Replanned:
    """The whole day re-planned (fixed visits first), the rest of the day alone (as planned in
    its own problem), and what changed per collector."""

    plan: Plan
    rest: Plan
    changes: tuple[Change, ...]


@dataclass(frozen=True, eq=False)
class RestOfDay:
    """The rest of a day as a problem of its own, and where to start searching it."""

    problem: Problem
    initial: tuple[tuple[str, ...], ...]  # this morning's routes, per collector of ``problem``
    restarts: dict[str, Restart]  # collector id -> where and when they go on


def replan(problem: Problem, previous: Sequence[Planned], events: Events,
           disruption: Disruption = Disruption(), *, started: float | None = None,
           on_solution=None, continuity: bool = True) -> Replanned:
    """Plan the rest of the day. ``problem`` is the whole day as it now stands (fixed customers
    included; every reported position a location of its travel); ``previous`` is this
    morning's plan. ``continuity=False`` plans the rest afresh (for comparison)."""
    from routing import solve  # the solver loads on first use (a lazy name of the package)

    rest = rest_of_day(problem, previous, events, disruption if continuity else Disruption())
    plan = solve(rest.problem, started=started, on_solution=on_solution,
                 initial=rest.initial if continuity else None)
    day = whole_day(problem, rest.problem, plan, events.fixed, rest.restarts, events.stopped)
    return Replanned(day, plan, changes(previous, day, disruption.retime_seconds))


def rest_of_day(problem: Problem, previous: Sequence[Planned], events: Events,
                disruption: Disruption) -> RestOfDay:
    """The rest of the day as a problem: without the fixed customers, each collector going on
    from their restart, without those who stopped; this morning's customers preferring their
    collector by the move threshold. Raises ``InvalidProblem`` where the events contradict the
    problem or the plan."""
    check_events(problem, previous, events)
    fixed = {f.customer for f in events.fixed}
    locations = {c.id: c.location for c in problem.customers}
    restarts = {c.id: restart(problem, c, events, locations) for c in problem.collectors}
    collectors = tuple(going_on(c, restarts[c.id], events)
                       for c in problem.collectors if c.id not in events.stopped)
    working = {c.id for c in collectors}
    owner = {p.customer: p.collector for p in previous if p.collector in working}
    keep = disruption.move_threshold > 0
    customers = tuple(_without_stopped(
        replace(c, preferred_collector=owner[c.id]) if keep and c.id in owner else c, working)
        for c in problem.customers if c.id not in fixed)
    policy = (replace(problem.policy, preferred_bonus=disruption.move_threshold) if keep
              else problem.policy)
    initial = tuple(tuple(p.customer for p in sorted(previous, key=lambda p: p.service_start)
                          if p.collector == c.id and p.customer not in fixed)
                    for c in collectors)
    rest = Problem(collectors, customers, problem.travel, policy, problem.options)
    return RestOfDay(rest, initial, restarts)


def restart(problem: Problem, collector: Collector, events: Events,
            locations: dict[str, int]) -> Restart:
    """Where and when ``collector`` goes on: the latest of the shift's start, now, the end of
    their last fixed visit (at that customer) and their reported position; with the driving
    so far (from the start through the fixed visits to there), which the travel cap counts."""
    best = Restart(collector.start_location, collector.shift_start, reported=False)
    path = [collector.start_location]
    for f in sorted(events.fixed, key=lambda f: f.service_start):
        if f.collector == collector.id:
            path.append(locations[f.customer])
            if f.service_end >= best.time:
                best = Restart(path[-1], f.service_end, reported=False)
    for p in events.positions:
        if p.collector == collector.id and p.time >= best.time:
            best = Restart(p.location, p.time, reported=True)
    if best.reported:
        path.append(best.location)
    durations = problem.travel.durations
    travelled = sum(int(durations[a, b]) for a, b in pairwise(path))
    return replace(best, time=max(best.time, events.now), travelled=travelled)


def going_on(collector: Collector, at: Restart, events: Events) -> Collector:
    """The collector for the rest of the day: starting at ``at``, with the visit cap less the
    fixed visits, the travel cap less the driving so far, and the lunch break if it is not
    taken and still fits."""
    start = min(at.time, collector.shift_end)
    made = sum(f.collector == collector.id for f in events.fixed)
    brk = collector.lunch_break
    if brk is not None:
        earliest = max(brk.earliest_start, start)
        brk = (None if collector.id in events.breaks_taken
               or brk.latest_end - earliest < brk.duration
               else Break(earliest, brk.latest_end, brk.duration))
    return replace(collector, start_location=at.location, shift_start=start, lunch_break=brk,
                   max_visits=None if collector.max_visits is None
                   else max(0, collector.max_visits - made),
                   max_travel_time=None if collector.max_travel_time is None
                   else max(0, collector.max_travel_time - at.travelled))


def check_events(problem: Problem, previous: Sequence[Planned], events: Events) -> None:
    """Raise ``InvalidProblem`` naming the first event that contradicts the day or the plan."""
    collectors = {c.id for c in problem.collectors}
    customers = {c.id for c in problem.customers}
    planned = {p.customer for p in previous}
    last_end: dict[str, int] = {}
    seen: set[str] = set()
    for k, f in enumerate(events.fixed):
        where = f"events.fixed[{k}]"
        if f.collector not in collectors:
            raise InvalidProblem(f"{where}.collector", f"unknown collector {f.collector!r}")
        if f.customer not in customers:
            raise InvalidProblem(f"{where}.customer", f"unknown customer {f.customer!r}")
        if f.customer not in planned:
            raise InvalidProblem(f"{where}.customer", f"{f.customer!r} is not in the plan")
        if f.customer in seen:
            raise InvalidProblem(f"{where}.customer", f"{f.customer!r} is reported twice")
        seen.add(f.customer)
        if not f.arrival <= f.service_start <= f.service_end:
            raise InvalidProblem(where, "arrival, start and end are out of order")
        if f.service_start > events.now:
            raise InvalidProblem(f"{where}.service_start", "is after now")
        if not f.under_way and f.service_end > events.now:
            raise InvalidProblem(f"{where}.service_end", "a done visit ends after now")
        last_end[f.collector] = max(last_end.get(f.collector, f.service_end), f.service_end)
    for k, p in enumerate(events.positions):
        where = f"events.positions[{k}]"
        if p.collector not in collectors:
            raise InvalidProblem(f"{where}.collector", f"unknown collector {p.collector!r}")
        if not 0 <= p.location < problem.travel.num_locations:
            raise InvalidProblem(f"{where}.location", "is not a location of the travel matrix")
        if p.time > events.now:
            raise InvalidProblem(f"{where}.time", "is after now")
        if p.time < last_end.get(p.collector, p.time):
            raise InvalidProblem(f"{where}.time",
                                 f"is before the end of {p.collector!r}'s last reported visit")
    for name in ("stopped", "breaks_taken"):
        unknown = sorted(getattr(events, name) - collectors)
        if unknown:
            raise InvalidProblem(f"events.{name}", f"unknown collector(s) {unknown}")


def _without_stopped(customer: Customer, working: set[str]) -> Customer:
    """A customer whose allowed or preferred collector stopped: only those still working."""
    allowed = customer.allowed_collectors
    preferred = customer.preferred_collector
    if (allowed is None or allowed <= working) and (preferred is None or preferred in working):
        return customer
    return replace(customer, allowed_collectors=None if allowed is None else allowed & working,
                   preferred_collector=preferred if preferred in working else None)
