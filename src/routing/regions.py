"""Improving a day plan region by region.

One routing model of the whole day stalls in a local optimum on small days and cannot even be
built in time on city days of thousands of customers (``solve._MAX_SEARCH_PAIRS``). The plan is
improved instead a few neighbouring collectors at a time: their routes, and the left-out
customers near them whom they may visit, become a small day plan that the routing model solves
(from the current routes where the model can start from them). The region's new routes replace
the old ones only if they serve more mandatory customers, or as many and are worth more. Regions
are drawn at random, seeded, so a run is repeatable in deterministic mode.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Sequence

import numpy as np

from routing import model as day_model
from routing.problem import Collector, Problem, route_earnings
from routing.schedule import RouteTimer

# Collectors per region, and left-out customers offered to a region per collector in it; each
# region's search gets REGION_SECONDS (never past the deadline). Measured on six Solomon
# instances at 10 s (half of it for regions): mean gap 4.91% with 5 routes and 1.5 s, 5.25% with
# 4 and 1.0 s, 7.33% with 3 and 1.0 s, 6.09% with 6 and 2.0 s, 7.91% with 8 and 2.5 s.
REGION_COLLECTORS = 5
OFFERED_PER_COLLECTOR = 12
REGION_SECONDS = 1.5


def improve(problem: Problem, timer: RouteTimer, candidates: dict[int, Sequence[int]],
            routes: list[list[int]], *, deadline: float,
            on_improvement: Callable[[float], None] | None = None
            ) -> tuple[list[list[int]], int]:
    """Improve ``routes`` (customer indices per collector) region by region until ``deadline``
    (in deterministic mode: one round over every collector, each region's search bounded by
    ``options.work_limit`` branches, the deadline only as a backstop). ``on_improvement``
    hears what each improved region gained (value units). Returns the routes and how many
    regions improved."""
    options = problem.options
    rng = random.Random(options.seed)
    routes = [list(r) for r in routes]
    collectors = problem.collectors
    if len(collectors) < 2:
        return routes, 0
    may_go = _candidate_sets(candidates)
    improved = 0
    order = list(range(len(collectors)))
    rng.shuffle(order)
    rounds = 0
    while True:
        if deadline - time.monotonic() < 0.3:
            break  # in deterministic mode too: the time limit stays a backstop
        if options.deterministic:
            if rounds >= len(order):
                break
            seed_collector = order[rounds]
        else:
            seed_collector = order[rounds % len(order)]
            if rounds and rounds % len(order) == 0:
                rng.shuffle(order)
        rounds += 1
        region = _region(problem, routes, seed_collector)
        offered = _offered(problem, routes, region, may_go)
        new = _solve_region(problem, timer, candidates, routes, region, offered, deadline,
                            seed=rng.randrange(2**31))
        gain = None if new is None else _gain(problem, timer, region, new, routes)
        if gain is not None:
            for v, route in zip(region, new):
                routes[v] = route
            improved += 1
            if on_improvement is not None:
                on_improvement(gain)
    return routes, improved


def _candidate_sets(candidates: dict[int, Sequence[int]]) -> dict[int, frozenset[int]]:
    return {i: frozenset(c) for i, c in candidates.items()}


def _anchor(problem: Problem, collector: Collector, route: list[int]) -> int:
    """Where a route is: its middle visit, or the collector's start if it has none."""
    if not route:
        return collector.start_location
    return problem.customers[route[len(route) // 2]].location


def _region(problem: Problem, routes: list[list[int]], seed_collector: int) -> list[int]:
    """The seed collector and the collectors whose routes lie nearest to its route."""
    anchors = np.array([_anchor(problem, c, r) for c, r in zip(problem.collectors, routes)])
    durations = problem.travel.durations
    here = anchors[seed_collector]
    closeness = durations[here, anchors].astype(np.int64) + durations[anchors, here]
    nearest = np.argsort(closeness, kind="stable")
    region = [seed_collector] + [int(v) for v in nearest if v != seed_collector]
    return region[:REGION_COLLECTORS]


def _offered(problem: Problem, routes: list[list[int]], region: list[int],
             may_go: dict[int, frozenset[int]]) -> list[int]:
    """Left-out customers whom a collector of the region may visit, nearest to its routes
    first (mandatory ones always)."""
    planned = {i for r in routes for i in r}
    members = set(region)
    waiting = [i for i, who in may_go.items() if i not in planned and who & members]
    if not waiting:
        return []
    stops = [problem.customers[i].location for v in region for i in routes[v]]
    stops += [problem.collectors[v].start_location for v in region]
    locations = np.array([problem.customers[i].location for i in waiting])
    near = problem.travel.durations[np.ix_(locations, np.array(stops))].min(axis=1)
    ranked = sorted(range(len(waiting)),
                    key=lambda k: (not problem.customers[waiting[k]].mandatory, int(near[k]),
                                   waiting[k]))
    limit = OFFERED_PER_COLLECTOR * len(region)
    return [waiting[k] for k in ranked[:limit]]


def _solve_region(problem: Problem, timer: RouteTimer, candidates: dict[int, Sequence[int]],
                  routes: list[list[int]], region: list[int], offered: list[int],
                  deadline: float, *, seed: int) -> list[list[int]] | None:
    """The region's routes as the routing model plans them, or None if it found none."""
    members = {v: k for k, v in enumerate(region)}
    customers = [i for v in region for i in routes[v]] + offered
    if not customers:
        return None
    sub_collectors = tuple(problem.collectors[v] for v in region)
    ids = {c.id for c in sub_collectors}
    sub_customers = tuple(
        dataclasses.replace(problem.customers[i], allowed_collectors=None,
                            preferred_collector=(problem.customers[i].preferred_collector
                                                 if problem.customers[i].preferred_collector in ids
                                                 else None))
        for i in customers)
    options = problem.options
    policy = dataclasses.replace(problem.policy, balance_cost_per_visit=0)
    sub = Problem(sub_collectors, sub_customers, problem.travel, policy, options)
    sub_candidates = {k: tuple(members[v] for v in candidates[i] if v in members)
                      for k, i in enumerate(customers)}
    sub_windows = [timer.windows[i] for i in customers]
    built = day_model.build(sub, sub_candidates, sub_windows)
    position = {i: k for k, i in enumerate(customers)}
    start = None
    if all(c.lunch_break is None for c in sub_collectors):
        # OR-Tools 9.15 cannot start from given routes with break intervals.
        start = [[position[i] for i in routes[v]] for v in region]
    budget = max(0.05, deadline - time.monotonic())
    if not options.deterministic:  # there the work limit bounds each region
        budget = min(REGION_SECONDS, budget)
    result = day_model.search(built, deadline=time.monotonic() + budget,
                              deterministic=options.deterministic,
                              work_limit=options.work_limit, seed=seed, initial_routes=start)
    if not result.found:
        return None
    return [[customers[k] for k in route] for route in result.routes]


def _gain(problem: Problem, timer: RouteTimer, region: list[int], new: list[list[int]],
          routes: list[list[int]]) -> float | None:
    """What the region's new routes gain over its current ones, if they keep to every rule
    (timed by the engine, not the solver) and serve more mandatory customers, or as many and
    earn more; else None."""
    def worth(plan: list[list[int]]) -> tuple[int, float] | None:
        mandatory, total = 0, 0.0
        for v, route in zip(region, plan):
            collector = problem.collectors[v]
            schedule = timer.schedule(collector, route)
            if schedule is None:
                return None
            mandatory += sum(problem.customers[i].mandatory for i in route)
            total += route_earnings(problem, collector, route, schedule.travel_time)
        return mandatory, total

    after = worth(new)
    if after is None:
        return None
    before = worth([routes[v] for v in region])
    if before is None or after[0] > before[0]:
        return after[1] - (0.0 if before is None else before[1])
    if after[0] == before[0] and after[1] > before[1] + 1e-9:
        return after[1] - before[1]
    return None
