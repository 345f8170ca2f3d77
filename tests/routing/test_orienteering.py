"""Days where value is all (travel only breaks ties, as in the orienteering problem): the plan
must reach the exact optimum, found here by enumerating every subset, and keep every window.

These days take the engine's orienteering path: insertions measured by the time they take and
the exact re-planning of stretches of a route (routing.search)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from routing import solve
from routing.problem import Collector, Customer, Options, Policy, Problem, TimeWindow, TravelMatrix

WEIGHT = 10_000  # a unit of value outweighs any day of driving (the horizon is far shorter)


def _day(seed: int, n: int, paths: int) -> tuple[Problem, np.ndarray, list[tuple]]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(n + 1, 2))
    xy[0] = (50, 50)
    matrix = np.floor(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(
        np.int32)
    horizon = 260
    rows = []  # (value, service, opens, latest start)
    customers = []
    for c in range(1, n + 1):
        opens = int(rng.integers(0, 160))
        latest = opens + int(rng.integers(10, 80))
        service = int(rng.integers(5, 20))
        value = int(rng.integers(1, 30))
        rows.append((value, service, opens, latest))
        customers.append(Customer(str(c), c, value * WEIGHT, service,
                                  (TimeWindow(opens, latest + service),)))
    problem = Problem(tuple(Collector(f"p{k}", 0, 0, 0, horizon) for k in range(paths)),
                      tuple(customers), TravelMatrix(matrix, matrix.copy()),
                      Policy(travel_cost_per_hour=3600),
                      Options(time_limit=60, deterministic=True, work_limit=300))
    return problem, matrix, rows


def _path_times(route: list[int], matrix: np.ndarray, rows: list[tuple], horizon: int):
    """Service starts along a route of customer numbers, or None if a window or the horizon is
    broken (waiting allowed)."""
    t, prev, starts = 0, 0, []
    for c in route:
        value, service, opens, latest = rows[c - 1]
        start = max(t + int(matrix[prev, c]), opens)
        if start > latest:
            return None
        starts.append(start)
        t, prev = start + service, c
    return starts if t + int(matrix[prev, 0]) <= horizon else None


def _best_single_path(matrix: np.ndarray, rows: list[tuple], horizon: int) -> int:
    """The most value one path can collect: earliest departures over (visited set, last)."""
    n = len(rows)
    best = 0
    earliest: dict[tuple[int, int], int] = {}
    for c in range(1, n + 1):
        value, service, opens, latest = rows[c - 1]
        start = max(int(matrix[0, c]), opens)
        if start <= latest:
            earliest[(1 << (c - 1), c)] = start + service
    for mask in range(1, 1 << n):
        for c in range(1, n + 1):
            t = earliest.get((mask, c))
            if t is None:
                continue
            if t + int(matrix[c, 0]) <= horizon:
                best = max(best, sum(rows[d][0] for d in range(n) if mask >> d & 1))
            for d in range(1, n + 1):
                if mask >> (d - 1) & 1:
                    continue
                value, service, opens, latest = rows[d - 1]
                start = max(t + int(matrix[c, d]), opens)
                if start > latest:
                    continue
                key = (mask | 1 << (d - 1), d)
                if start + service < earliest.get(key, 1 << 60):
                    earliest[key] = start + service
    return best


@pytest.mark.parametrize("seed", range(6))
def test_single_path_reaches_the_exhaustive_optimum(seed):
    problem, matrix, rows = _day(seed, 12, 1)
    plan = solve(problem)
    route = [int(s.customer) for s in plan.routes[0].steps if s.customer]
    assert _path_times(route, matrix, rows, 260) is not None
    assert len(set(route)) == len(route)
    value = sum(rows[c - 1][0] for c in route)
    assert value == _best_single_path(matrix, rows, 260)
    assert plan.summary.value == value * WEIGHT


@pytest.mark.parametrize("seed", range(3))
def test_two_paths_keep_every_window_and_reach_the_best_split(seed):
    """Two paths: checked against the best split of the customers into two single paths."""
    problem, matrix, rows = _day(100 + seed, 9, 2)
    plan = solve(problem)
    routes = [[int(s.customer) for s in r.steps if s.customer] for r in plan.routes]
    served = [c for r in routes for c in r]
    assert len(set(served)) == len(served)
    for route in routes:
        assert _path_times(route, matrix, rows, 260) is not None
    n = len(rows)
    best = 0
    for side in itertools.product((0, 1), repeat=n - 1):  # customer n on path 0, by symmetry
        halves = [[c for c in range(1, n) if side[c - 1] == p] for p in (0, 1)]
        halves[0].append(n)
        total = 0
        for half in halves:
            sub = [rows[c - 1] for c in half]
            index = [0, *half]
            total += _best_single_path(matrix[np.ix_(index, index)], sub, 260)
        best = max(best, total)
    assert sum(rows[c - 1][0] for c in served) == best


def test_orienteering_days_take_the_exact_stretch_planning():
    """The path these tests exercise: insertions by time taken and stretch re-planning are on
    where value is all, off on a collection day where driving costs weigh."""
    from routing.prepare import prepare
    from routing.search import DEFAULT
    from routing.search.arrays import pack

    problem, _, _ = _day(0, 12, 1)
    day = pack(prepare(problem), DEFAULT)
    assert day.ties
    assert day.arrays.moves.by_time == 1
    assert day.arrays.moves.segment_size == DEFAULT.segment_size
    costly = dataclasses.replace(problem, policy=Policy(travel_cost_per_hour=3600 * WEIGHT))
    day = pack(prepare(costly), DEFAULT)
    assert not day.ties
    assert day.arrays.moves.segment_size == 0


def test_orienteering_days_give_the_whole_model_time_to_ruin_and_recreate():
    """Where travel only breaks ties, ruin and recreate starts from the first (greedy) plan and
    gets the whole model's time; where travel costs nothing (it breaks no ties), the whole
    model still plans first, since ruin and recreate keeps the first plan unless it finds more
    value."""
    problem, _, _ = _day(0, 12, 1)
    assert solve(problem).solver_status.startswith("greedy_plan")
    free = dataclasses.replace(problem, policy=Policy(travel_cost_per_hour=0))
    assert not solve(free).solver_status.startswith("greedy_plan")
