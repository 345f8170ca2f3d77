"""Generated city days: every plan feasible, every reason true, determinism holds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from benchmarks.generator import collection_day
from tests.conftest import plan


@pytest.mark.parametrize("size,seed", [((60, 5), 1), ((60, 5), 2), ((300, 20), 3)])
def test_generated_day_is_feasible_and_every_reason_is_true(size, seed):
    body = collection_day(*size, seed=seed, time_limit=3)
    response = plan(body)  # runs the independent checker and checks each reason
    assert response["summary"]["visits"] > size[1]
    mandatory = {c["id"] for c in body["customers"] if c["mandatory"]}
    planned = {s["customer_id"] for r in response["routes"] for s in r["steps"]
               if s["type"] == "visit"}
    missed = mandatory - planned
    assert all(u["reason"] != "day_full" or not u["mandatory"] or u["customer_id"] in missed
               for u in response["unassigned"])


def test_gcj02_and_wgs84_inputs_give_the_same_plan():
    """The same homes geocoded on AMap (GCJ-02) plan exactly like their WGS-84 originals."""
    from common.geo import wgs84_to_gcj02

    body = collection_day(40, 3, seed=4, time_limit=2)
    body["options"].update(deterministic=True, work_limit=300)
    shifted = json.loads(json.dumps(body))
    shifted["travel"]["coordinate_system"] = "gcj02"
    for c in shifted["customers"]:
        lat, lon = wgs84_to_gcj02(c["location"]["lat"], c["location"]["lon"])
        c["location"].update(lat=float(lat), lon=float(lon))
    for c in shifted["collectors"]:
        lat, lon = wgs84_to_gcj02(c["start"]["lat"], c["start"]["lon"])
        c["start"].update(lat=float(lat), lon=float(lon))
    a, b = plan(body), plan(shifted)
    assert a["summary"]["distance_metres"] == pytest.approx(b["summary"]["distance_metres"], abs=5)
    assert a["summary"]["visits"] == b["summary"]["visits"]


_DETERMINISTIC = """
import json, sys
from benchmarks.generator import collection_day
from api.schemas.plan import PlanRequest, to_problem
from api.schemas.plan_out import PlanResponse
from routing import solve
n, k, work = map(int, sys.argv[1:])
body = collection_day(n, k, seed=5, time_limit=60)
body["options"].update(deterministic=True, work_limit=work)
req = PlanRequest.model_validate(body)
problem, ctx = to_problem(req)
r = PlanResponse.from_plan(solve(problem), ctx, req).model_dump(mode="json")
print(json.dumps([r["routes"], r["unassigned"], r["time_limit_hit"]]))
"""


@pytest.mark.parametrize("size", [(80, 6, 1500), (1500, 80, 1000)], ids=["one model",
                                                                    "greedy start"])
def test_deterministic_mode_gives_identical_plans_across_processes(size):
    args = [str(x) for x in size]
    runs = [subprocess.run([sys.executable, "-c", _DETERMINISTIC, *args], capture_output=True,
                           text=True, check=True, timeout=120).stdout for _ in range(2)]
    assert runs[0] == runs[1]
    assert json.loads(runs[0])[2] is False  # the work limit, not the clock, ended the search


def test_a_city_day_of_1500_customers_fills_the_visit_caps_with_feasible_routes():
    """A large day (its time and quality figures live in `fieldplan bench collection`): the plan
    serves nearly what the visit caps allow, and every route passes the independent checker."""
    from api.schemas.plan import PlanRequest, to_problem
    from routing import solve
    from verify.day_plan import Checker

    body = collection_day(1500, 80, seed=0, time_limit=10)
    problem, _ = to_problem(PlanRequest.model_validate(body))
    result = solve(problem)
    caps = sum(c["max_visits"] for c in body["collectors"])
    assert result.summary.visits >= 0.9 * caps
    checker = Checker(body)
    for route in result.routes:
        ids = [s.customer for s in route.steps if s.customer is not None]
        assert checker.feasible(checker.collectors[route.collector], ids), route.collector


def test_a_time_limit_too_short_for_any_search_returns_the_first_plan():
    """No search fits in a millisecond: the greedy plan (mandatory visits first) comes back,
    feasible, with every reason true and the cut search said, not an empty plan or an error."""
    body = collection_day(300, 20, seed=3, time_limit=0.001)
    response = plan(body)  # runs the independent checker and checks each reason
    assert response["time_limit_hit"] is True
    assert response["summary"]["visits"] >= 150
    missed = [u for u in response["unassigned"] if u["mandatory"]]
    assert all(u["reason"] != "day_full" for u in missed), missed


@pytest.mark.parametrize("plain", [False, True], ids=["with lunch breaks", "plain"])
def test_ruin_and_recreate_never_makes_a_plan_worse_or_breaks_a_rule(plain):
    """Ruin and recreate from the greedy plan: every route still passes the independent checker,
    every customer is in at most one route, and the plan earns at least as much (value minus
    travel cost, recomputed by the checker)."""
    from api.schemas.plan import PlanRequest, to_problem
    from common.budget import Budget
    from routing import search
    from routing.insertion import Inserter
    from routing.prepare import prepare
    from verify.day_plan import Checker

    body = collection_day(120, 10, seed=4, time_limit=10, plain=plain)
    problem, _ = to_problem(PlanRequest.model_validate(body))
    prepared = prepare(problem)
    timer = prepared.timer
    greedy = Inserter(prepared, [[] for _ in problem.collectors])
    greedy.fill()
    routes, steps = search.improve(prepared, [list(r) for r in greedy.routes],
                                   Budget.seconds(60, max_steps=3000))
    assert steps == 3000
    assert routes != greedy.routes
    # The engine's own timing agrees with the compiled one on every route.
    assert all(timer.schedule(c, r) is not None for c, r in zip(problem.collectors, routes))
    checker = Checker(body)

    rate = checker.policy.get("travel_cost_per_hour", 0) / 3600

    def earned(plan):
        total = 0.0
        for collector, route in zip(problem.collectors, plan):
            ids = [problem.customers[i].id for i in route]
            who = checker.collectors[collector.id]
            assert checker.feasible(who, ids), collector.id
            stops = [who["start"], *(checker.customers[i]["location"] for i in ids),
                     who.get("end") or who["start"]]
            total += sum(checker.value(checker.customers[i]) for i in ids)
            total -= rate * sum(checker.leg(a, b) for a, b in zip(stops, stops[1:]))
        return total

    visited = [i for r in routes for i in r]
    assert len(visited) == len(set(visited))
    before = earned(greedy.routes)
    # The engine weighs travel on its own rounded matrix; the checker on geopy's geodesic.
    assert earned(routes) > before


@pytest.mark.parametrize("size,seed,searches", [((60, 5), 2, 2), ((300, 20), 3, 1)])
def test_small_days_get_two_whole_day_searches(size, seed, searches):
    """Up to 1,000 (customer, collector) pairs the whole day is searched twice, from different
    first plans, and the plan still passes the independent checker; larger days once."""
    body = collection_day(*size, seed=seed, time_limit=4, plain=True)
    response = plan(body)
    status = response["solver_status"]
    assert len(status.split("_then_")) == searches, status
    assert response["summary"]["visits"] > size[1]


def test_travel_only_breaks_ties_where_no_drive_outweighs_a_customer():
    """The polishing phase of ruin and recreate (annealing again at the scale of travel) runs on
    collection days, where driving costs weigh against values; where travel only breaks ties
    (no amount of driving outweighs the least valuable optional customer) the annealing instead
    runs in rounds at the value scale."""
    import dataclasses

    from api.schemas.plan import PlanRequest, to_problem
    from routing.prepare import prepare
    from routing.search import DEFAULT as P
    from routing.search.anneal import phases, typical_arc_cost, value_scale
    from routing.search.arrays import pack

    body = collection_day(60, 5, seed=0, time_limit=10, plain=True)
    problem, _ = to_problem(PlanRequest.model_validate(body))
    day = pack(prepare(problem), P)
    assert not day.ties
    (first, last, polish_from), (polish_first, polish_last, end) = phases(day, P)
    hot, arc = value_scale(day, P), typical_arc_cost(day)
    assert hot > arc
    assert (first, last) == (P.t_start * hot, P.t_end * hot)
    assert (polish_first, polish_last) == (P.t_start * arc, P.t_end * arc)
    assert (polish_from, end) == (1 - P.polish_share, 1.0)
    # Customers worth 100,000 times more: no day of driving (five nine-hour shifts at forty
    # currency units an hour) outweighs any of them.
    rich = dataclasses.replace(problem, customers=tuple(
        dataclasses.replace(c, value=c.value * 100_000) for c in problem.customers))
    rich_day = pack(prepare(rich), P)
    assert rich_day.ties
    assert prepare(rich).travel_breaks_ties
    assert not prepare(problem).travel_breaks_ties
    rounds = phases(rich_day, P)
    scale = value_scale(rich_day, P)
    assert len(rounds) == P.rounds_ties > 1
    # Hot and warm rounds in turn, each ending cold.
    assert [first for first, _, _ in rounds[:2]] == [P.t_start_ties * scale,
                                                     P.t_warm_ties * scale]
    assert {last for _, last, _ in rounds} == {P.t_end_ties * scale}
    assert [end for _, _, end in rounds][-1] == 1.0
