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
