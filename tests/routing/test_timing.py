"""The compiled timing of the search and the engine's own timing (routing.schedule, which the
final check uses) agree on random routes: with and without lunch breaks, with several windows
per customer and legal hours cutting them."""

from __future__ import annotations

import numpy as np
import pytest

from routing.prepare import prepare
from routing.problem import Break, Collector, Customer, Problem, TimeWindow, TravelMatrix
from routing.search import DEFAULT
from routing.search.arrays import pack
from routing.search.timing import feasible_times, new_routes, time_all


def _day(seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    n = 12
    xy = rng.uniform(0, 30, size=(n + 2, 2))
    matrix = (np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 60).astype(
        np.int32)
    customers = []
    for c in range(n):
        windows = []
        start = int(rng.integers(0, 4 * 3600))
        for _ in range(int(rng.integers(1, 4))):
            end = start + int(rng.integers(1800, 3 * 3600))
            windows.append(TimeWindow(start, end))
            start = end + int(rng.integers(600, 3600))
        legal = TimeWindow(600, 10 * 3600) if rng.random() < 0.5 else None
        customers.append(Customer(f"c{c}", c + 2, 100, int(rng.integers(300, 2400)),
                                  tuple(windows), legal_window=legal))
    lunch = Break(3 * 3600, 5 * 3600, 1800) if seed % 2 else None
    collectors = (Collector("a", 0, 1, 0, 10 * 3600, lunch_break=lunch),
                  Collector("b", 1, 1, 1800, 9 * 3600))
    return Problem(collectors, tuple(customers), TravelMatrix(matrix, matrix))


@pytest.mark.parametrize("seed", range(6))
def test_compiled_timing_and_the_route_timer_agree_on_random_routes(seed):
    """Whether a route has a timetable, and (without a break) when each visit ends, is the same
    in both timings, for 300 random orders of random subsets of customers."""
    problem = _day(seed)
    prepared = prepare(problem)
    day = pack(prepared, DEFAULT)
    rng = np.random.default_rng(100 + seed)
    rows = list(day.row)
    agreed = feasible = 0
    for _ in range(300):
        v = int(rng.integers(len(problem.collectors)))
        allowed = [i for i in rows if v in prepared.candidates[i]]
        size = int(rng.integers(0, min(6, len(allowed)) + 1))
        route = [int(i) for i in rng.permutation(allowed)[:size]]
        seq = np.array([day.row[i] for i in route] + [0], dtype=np.int64)
        schedule = prepared.timer.schedule(problem.collectors[v], route)
        compiled = feasible_times(seq, len(route), v, day.arrays.veh, day.arrays.cust,
                                  day.arrays.win, day.arrays.dur)
        assert compiled == (schedule is not None), (v, route)
        agreed += 1
        if schedule is None or problem.collectors[v].lunch_break is not None:
            continue
        feasible += 1
        k = len(problem.collectors)
        plan = np.zeros((k, len(rows) + 1), dtype=np.int64)
        plan[v, :len(route)] = seq[:len(route)]
        length = np.zeros(k, dtype=np.int64)
        length[v] = len(route)
        routes = new_routes(plan, length, len(rows))
        time_all(routes, day.arrays)
        ends = [visit.service_end for visit in schedule.visits]
        assert list(routes.dep[v, 1:len(route) + 1]) == ends
        assert routes.travel[v] == schedule.travel_time
    assert agreed == 300 and feasible > 20
