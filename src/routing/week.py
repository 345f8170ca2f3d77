"""Planning several days at once (a week plan).

Each day comes as its own screened view (:class:`Day`): the collectors working it with that
day's shift, the customers who may be visited that day (windows, legal hours, mandatory on
their due day, the follow-up policy's decision for that day). :func:`week_problem` makes them
one day problem in which every collector-day is a route:

- a customer is visited at most once in the week, on any day that allows it: their windows are
  the union of their days' windows (each cut to that day's legal hours); a day on which they
  rest after a recent visit (``min_rest_days``, counted to that day) is not among them;
- a customer mandatory on a day (a promise due, an appointment) may only be visited that day;
- a collector-day route belongs to its collector (``Collector.person``), so a preferred
  collector is preferred on every day; allowed collectors and skills hold day by day;
- a visit on day k of the week earns ``(1 - discount) ** k`` of its value: money earlier is
  worth a little more.

:func:`split` gives the week plan's routes back per day.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from routing.exceptions import InvalidProblem
from routing.problem import Collector, Customer, Options, Policy, Problem, TimeWindow, TravelMatrix
from routing.rules import is_resting
from routing.solution import Plan, Reason, Route

SEPARATOR = "@"


@dataclass(frozen=True)
class Day:
    """One day of the week as a day problem would see it. Times are seconds from the day's
    own ``origin``, which lies ``offset`` seconds after the week's."""

    label: str  # e.g. the date, 2026-12-07
    offset: int
    collectors: tuple[Collector, ...]
    customers: tuple[Customer, ...]  # those who may be visited this day


@dataclass(frozen=True, eq=False)
class Week:
    """The week as one problem, and the customers no day allows, with the reason."""

    problem: Problem
    days: tuple[Day, ...]
    excluded: dict[str, Reason]


def route_id(collector: str, day: Day) -> str:
    """The id of ``collector``'s route on ``day``."""
    return f"{collector}{SEPARATOR}{day.label}"


def week_problem(days: Sequence[Day], travel: TravelMatrix, policy: Policy, options: Options,
                 discount: float) -> Week:
    """The week as one problem (see the module's description)."""
    if not 0 <= discount < 1:
        raise InvalidProblem("policy.discount_per_day", "must be at least 0 and below 1")
    collectors = []
    for k, day in enumerate(days):
        factor = (1 - discount) ** k
        for c in day.collectors:
            collectors.append(replace(
                c, id=route_id(c.id, day), person=c.id, value_factor=factor,
                shift_start=c.shift_start + day.offset, shift_end=c.shift_end + day.offset,
                lunch_break=None if c.lunch_break is None else replace(
                    c.lunch_break, earliest_start=c.lunch_break.earliest_start + day.offset,
                    latest_end=c.lunch_break.latest_end + day.offset)))
    views: dict[str, list[tuple[Day, Customer]]] = {}
    for day in days:
        for c in day.customers:
            views.setdefault(c.id, []).append((day, c))
    customers, excluded = [], {}
    for cid, seen in views.items():
        merged, reason = _merged(seen, policy.min_rest_days)
        if merged is None:
            excluded[cid] = reason
        else:
            customers.append(merged)
    problem = Problem(tuple(collectors), tuple(customers), travel, policy, options)
    return Week(problem, tuple(days), excluded)


def _merged(seen: list[tuple[Day, Customer]], min_rest_days: int
            ) -> tuple[Customer | None, Reason | None]:
    """One customer's week from their day views, or None and why no day allows a visit."""
    open_days = [(day, c) for day, c in seen
                 if not is_resting(c.days_since_last_visit, min_rest_days)]
    if not open_days:
        return None, Reason.RESTING
    mandatory = [(day, c) for day, c in open_days if c.mandatory]
    if mandatory:
        open_days = mandatory[:1]
    windows, routes = [], set()
    legal_somewhere = False
    for day, c in open_days:
        for w in c.time_windows:
            cut = w if c.legal_window is None else w.intersect(c.legal_window)
            if cut is not None and cut.end - cut.start >= c.service_duration:
                legal_somewhere = True
                windows.append(TimeWindow(cut.start + day.offset, cut.end + day.offset))
        names = ([x.id for x in day.collectors] if c.allowed_collectors is None
                 else sorted(c.allowed_collectors))
        routes |= {route_id(name, day) for name in names}
    if not legal_somewhere:
        return None, Reason.OUTSIDE_LEGAL_HOURS
    first = open_days[0][1]
    restricted = any(c.allowed_collectors is not None for _, c in open_days)
    return replace(
        first, time_windows=tuple(sorted(windows, key=lambda w: w.start)), legal_window=None,
        mandatory=bool(mandatory), days_since_last_visit=None,
        required_skills=frozenset().union(*(c.required_skills for _, c in open_days)),
        allowed_collectors=frozenset(routes) if restricted else None,
        value=max(c.value for _, c in open_days)), None


def split(plan: Plan, week: Week) -> list[tuple[Day, list[Route]]]:
    """The week plan's routes by day (each route keeps its collector-day id)."""
    by_day: dict[str, list[Route]] = {day.label: [] for day in week.days}
    for route in plan.routes:
        by_day[route.collector.rsplit(SEPARATOR, 1)[1]].append(route)
    return [(day, by_day[day.label]) for day in week.days]


def discounted_value(plan: Plan, week: Week) -> float:
    """The value the week plan earns, each day's visits at that day's share."""
    factors = {c.id: c.value_factor for c in week.problem.collectors}
    return sum(r.value * factors[r.collector] for r in plan.routes)


# Seconds a day of the week's first phase needs left for its whole-day routing model.
MODEL_SECONDS = 2.0


def solve_week(week: Week, *, started: float | None = None, on_solution=None,
               first_share: float = 0.4) -> Plan:
    """Plan the week: first the days one after another (each with its part of
    ``first_share`` of the time, a customer planned on a day not offered again), then the
    whole week as one problem from that plan for the rest of the time, so that customers
    move to the day that suits them best."""
    from routing import solve  # the solver loads on first use (a lazy name of the package)
    from routing.search import DEFAULT

    started = time.monotonic() if started is None else started
    problem = week.problem
    options = problem.options
    share = options.time_limit * first_share / max(1, len(week.days))
    planned: set[str] = set()
    initial: dict[str, tuple[str, ...]] = {}
    for k, day in enumerate(week.days):
        vehicles = tuple(c for c in problem.collectors if c.id.endswith(SEPARATOR + day.label))
        if not vehicles:
            continue
        customers = _for_day(problem.customers, vehicles, planned)
        # Each day ends by its share of the week's clock, so that a day that overran its
        # share (its checks, its first plan) takes the time from the next, not from the end.
        sub = Problem(vehicles, customers, problem.travel, problem.policy,
                      replace(options, time_limit=share * (k + 1), work_limit=max(
                          1, options.work_limit // len(week.days))))
        # A whole-day routing model costs its building and its first solution whatever time
        # it is given: with less than MODEL_SECONDS left for the day, ruin and recreate alone
        # plans it (it keeps to its deadline). In deterministic mode the plan never depends
        # on the clock.
        left = started + share * (k + 1) - time.monotonic()
        params = (DEFAULT if options.deterministic or left >= MODEL_SECONDS
                  else replace(DEFAULT, max_search_pairs=0))
        plan = solve(sub, started=started, params=params)
        for route in plan.routes:
            ids = tuple(s.customer for s in route.steps if s.customer is not None)
            initial[route.collector] = ids
            planned.update(ids)
    return solve(problem, started=started, on_solution=on_solution,
                 initial=[initial.get(c.id, ()) for c in problem.collectors])


def _for_day(customers: Sequence[Customer], vehicles: Sequence[Collector],
             planned: set[str]) -> tuple[Customer, ...]:
    """The customers not yet planned, as a problem of ``vehicles`` alone can state them."""
    names = {c.id for c in vehicles} | {c.person for c in vehicles}
    ids = {c.id for c in vehicles}
    out = []
    for c in customers:
        if c.id in planned:
            continue
        allowed = None if c.allowed_collectors is None else c.allowed_collectors & ids
        if allowed is not None and not allowed:
            continue
        out.append(replace(c, allowed_collectors=allowed,
                           preferred_collector=c.preferred_collector
                           if c.preferred_collector in names else None))
    return tuple(out)
