"""Known optima of small public instances, checked by an independent VRPTW evaluator.

Skipped where the public benchmark folder is not present (set FIELDPLAN_BENCHMARKS)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from benchmarks.cli import DEFAULT_DATA
from benchmarks.instances import read_bks, read_solomon, toptw_problem, vrptw_problem
from routing import solve
from verify.toptw import Infeasible, toptw_score

SOLOMON = DEFAULT_DATA / "solomon_vrptw"
pytestmark = pytest.mark.skipif(not SOLOMON.exists(), reason=f"no benchmark data at {DEFAULT_DATA}")


def _deterministic(problem, work=4000):
    options = dataclasses.replace(problem.options, deterministic=True, work_limit=work,
                                  time_limit=60)
    return dataclasses.replace(problem, options=options)


def vrptw_cost(path, routes: list[list[int]]) -> float:
    """Distance of the routes, checking capacity, windows and the depot's due date from the file."""
    _, capacity, rows = read_solomon(path)
    by_no = {int(r[0]): r for r in rows}
    dist = lambda a, b: math.floor(10 * math.hypot(a[1] - b[1], a[2] - b[2])) / 10  # noqa: E731
    served = [c for r in routes for c in r]
    assert sorted(served) == sorted(by_no)[1:], "every customer exactly once"
    total = 0.0
    for route in routes:
        assert sum(by_no[c][3] for c in route) <= capacity
        t, prev = 0.0, by_no[0]
        for c in route:
            row = by_no[c]
            t = max(t + dist(prev, row), row[4])
            assert t <= row[5] + 1e-9, f"customer {c} served at {t} after {row[5]}"
            t += row[6]
            total += dist(prev, row)
            prev = row
        total += dist(prev, by_no[0])
        assert t + dist(prev, by_no[0]) <= by_no[0][5] + 1e-9
    return round(total, 1)


@pytest.mark.parametrize("name", ["C101", "RC101", "C201"])
def test_solomon_25_known_optimum(name):
    path = SOLOMON / "instances/25" / f"{name}.txt"
    plan = solve(_deterministic(vrptw_problem(path, seconds=60)))
    routes = [[int(s.customer) for s in r.steps if s.customer] for r in plan.routes]
    assert vrptw_cost(path, routes) == read_bks(SOLOMON / "optimal_25.csv")[name.lower()]


def test_toptw_single_path_reaches_a_proven_optimum():
    """c101 with one path: Righini and Salani's proven optimum is 320."""
    path = DEFAULT_DATA / "toptw/instances/solomon_c_r_rc_100_100/c101.txt"
    problem, weight = toptw_problem(path, 1, seconds=60)
    plan = solve(_deterministic(problem, work=20000))
    routes = [[int(s.customer) for s in r.steps if s.customer] for r in plan.routes]
    score = toptw_score(path, routes, 1)
    assert score == plan.summary.value // weight
    assert score >= 300  # measured; the benchmark tracks the gap to 320


def test_toptw_checker_refuses_what_breaks_the_instance():
    """c101: customer 20 must be served by 73; after 5 (open from 15, 90 of service) it is late."""
    path = DEFAULT_DATA / "toptw/instances/solomon_c_r_rc_100_100/c101.txt"
    assert toptw_score(path, [[20], [5]], 2) == 10 + 10
    with pytest.raises(Infeasible, match="customer 20"):
        toptw_score(path, [[5, 20]], 1)
    with pytest.raises(Infeasible, match="twice"):
        toptw_score(path, [[5], [5]], 2)
    with pytest.raises(Infeasible, match="paths"):
        toptw_score(path, [[5], [20]], 1)
