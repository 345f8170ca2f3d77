"""The tight profile of the day generator (time binds): its invariants, its mandatory visits
feasible alone by construction, and the plans made on such days feasible."""

from __future__ import annotations

import pytest

from benchmarks.generator import collection_day, mandatory_only_routes
from tests.conftest import plan
from verify.day_plan import Checker


@pytest.mark.parametrize("size", [(300, 20), (1500, 80), (5000, 250)])
def test_the_tight_profile_has_its_shares(size):
    n, k = size
    body = collection_day(n, k, seed=1, profile="tight")
    customers, collectors = body["customers"], body["collectors"]
    evening = [c for c in customers if not c["mandatory"] and c.get("time_windows") == [
        {"start": "2026-12-01T18:00:00+08:00", "end": "2026-12-01T21:00:00+08:00"}]]
    morning = [c for c in customers if not c["mandatory"] and c.get("time_windows") == [
        {"start": "2026-12-01T09:00:00+08:00", "end": "2026-12-01T12:00:00+08:00"}]]
    optional = n - sum(c["mandatory"] for c in customers)
    assert 0.28 < len(evening) / optional < 0.39
    assert 0.07 < len(morning) / optional < 0.17
    assert sum(c["mandatory"] for c in customers) == n // 10
    assert all(1800 <= c["service_seconds"] <= 3600 for c in customers)
    late = [c for c in collectors if c["shift"]["start"].startswith("2026-12-01T12:00")]
    assert len(late) == k // 2
    assert all(c["max_visits"] == 20 for c in collectors)


@pytest.mark.parametrize("plain", [False, True])
@pytest.mark.parametrize("size", [(300, 20), (1500, 80), (5000, 250)])
def test_the_mandatory_visits_alone_make_a_feasible_plan(size, plain):
    """Checked by the independent checker, collector by collector (skills, crews, shifts,
    breaks, windows, legal hours)."""
    body = collection_day(*size, seed=2, profile="tight", plain=plain)
    checker = Checker(body)
    routes = mandatory_only_routes(body)
    assert sum(map(len, routes)) == size[0] // 10
    for collector, ids in zip(body["collectors"], routes):
        assert checker.feasible(checker.collectors[collector["id"]], ids), collector["id"]


def test_a_small_tight_day_is_planned_feasibly_with_every_mandatory_visit():
    body = collection_day(120, 10, seed=3, profile="tight", time_limit=3)
    response = plan(body)  # the independent checker, and every reason checked true
    planned = {s["customer_id"] for r in response["routes"] for s in r["steps"]
               if s["type"] == "visit"}
    assert {c["id"] for c in body["customers"] if c["mandatory"]} <= planned
    # Time binds, not the visit cap: customers are left out for a full day while no
    # collector reaches the cap.
    assert any(u["reason"] == "day_full" for u in response["unassigned"])
    assert all(r["visits"] < 20 for r in response["routes"])


@pytest.mark.parametrize("plain", [False, True])
def test_the_insertion_never_rules_out_a_place_where_the_visit_fits(plain):
    """Against the exact timing (breaks included), on the first plan of a tight day: every
    place where a left-out customer's visit fits is one the fast bounds keep open."""
    from api.schemas.plan import PlanRequest, to_problem
    from routing.insertion import Inserter
    from routing.prepare import prepare

    body = collection_day(300, 20, seed=4, profile="tight", plain=plain)
    problem, _ = to_problem(PlanRequest.model_validate(body))
    prepared = prepare(problem)
    full = Inserter(prepared, [[] for _ in problem.collectors])
    left_out = sorted(full.fill())
    # Every third visit taken out again: room appears, so that many places fit.
    routes = [[i for k, i in enumerate(route) if k % 3 != 1] for route in full.routes]
    taken = sorted({i for route in full.routes for i in route} - {i for r in routes for i in r})
    inserter = Inserter(prepared, routes)
    checked = fitting = 0
    for i in taken + left_out[:: max(1, len(left_out) // 20)]:
        ok, _ = inserter.open_places(i)
        vehicles, positions = inserter._all_gaps[0], inserter._all_gaps[1]
        for e in range(len(ok)):
            v, pos = int(vehicles[e]), int(positions[e])
            if v not in prepared.candidates[i]:
                continue
            route = inserter.routes[v]
            fits = prepared.timer.schedule(problem.collectors[v],
                                           route[:pos] + [i] + route[pos:]) is not None
            checked += 1
            fitting += fits
            assert ok[e] or not fits, (i, v, pos)
    assert checked > 1000 and fitting > 50  # places were tried, and many of them fit


def test_the_search_of_a_tight_day_runs_until_its_time_is_up():
    body = collection_day(300, 20, seed=5, profile="tight", time_limit=4)
    response = plan(body)
    assert response["time_limit_hit"] is True
