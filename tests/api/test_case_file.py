"""The case file over HTTP, on SQLite and PostgreSQL: outcomes in (batch, idempotent per visit,
whole or nothing, tenant-isolated), a case's history and state out, and plans that take their
customers' histories from it."""

from __future__ import annotations

from tests.api.test_service import service
from tests.conftest import DAY, collector, customer, reasons, request, visits

LINE = [[abs(i - j) * 600 for j in range(4)] for i in range(4)]


def day_plan(**extra) -> dict:
    return request([customer("a", 1), customer("b", 2), customer("c", 3)], [collector("k1")],
                   LINE, **extra)


def outcome(vid: str, who: str, outcome: str, when: str = "2026-11-30T10:00:00+08:00",
            **kw) -> dict:
    return {"id": vid, "customer": who, "collector": "k1", "visited_at": when,
            "outcome": outcome, **kw}


def test_outcomes_are_recorded_once_and_shape_the_next_plan(database_url):
    with service(database_url) as (client, north, south):
        # The first plan enters the cases and the collector in north's case file.
        assert client.post("/v1/plans?wait=30", json=day_plan(), headers=north).status_code == 200
        batch = {"outcomes": [
            outcome("v1", "a", "complaint"),
            outcome("v2", "b", "promise_to_pay", amount=300, promised_for=DAY),
            outcome("v3", "c", "paid_partial", amount=50)]}
        answer = client.post("/v1/outcomes", json=batch, headers=north)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"added": 3, "unchanged": 0}
        again = client.post("/v1/outcomes", json=batch, headers=north)
        assert again.json() == {"added": 0, "unchanged": 3}

        case = client.get("/v1/cases/b", params={"date": DAY}, headers=north).json()
        assert [v["id"] for v in case["visits"]] == ["v2"]
        assert case["state"]["mandatory"] and case["state"]["preferred_collector"] == "k1"
        held = client.get("/v1/cases/a", params={"date": DAY}, headers=north).json()
        assert held["state"]["hold"] == "on_hold_after_complaint" and not held["state"]["due"]

        done = client.post("/v1/plans?wait=30", json=day_plan(case_file=True), headers=north)
        assert done.status_code == 200, done.text
        plan = done.json()["result"]
        assert reasons(plan) == {"a": "on_hold_after_complaint"}
        assert set(visits(plan)) == {"b", "c"}

        # Another tenant sees none of it.
        assert client.get("/v1/cases/a", headers=south).status_code == 404
        refused = client.post("/v1/outcomes", json=batch, headers=south)
        assert refused.status_code == 422
        assert {e["field"] for e in refused.json()["errors"]} >= {"outcomes[0].customer",
                                                                  "outcomes[0].collector"}


def test_a_bad_batch_records_nothing(database_url):
    with service(database_url) as (client, north, _):
        client.post("/v1/plans?wait=30", json=day_plan(), headers=north)
        client.post("/v1/outcomes", json={"outcomes": [outcome("v1", "a", "refused")]},
                    headers=north)
        conflict = client.post("/v1/outcomes", headers=north, json={"outcomes": [
            outcome("v9", "b", "refused"), outcome("v1", "a", "not_home")]})
        assert conflict.status_code == 409
        assert conflict.json()["errors"][0]["field"] == "outcomes[1].id"
        unknown = client.post("/v1/outcomes", headers=north, json={"outcomes": [
            outcome("v8", "b", "refused"), outcome("v7", "zz", "refused")]})
        assert unknown.status_code == 422
        future = client.post("/v1/outcomes", headers=north, json={"outcomes": [
            outcome("v6", "b", "refused", when="2099-01-01T10:00:00+08:00")]})
        assert future.status_code == 422 and "future" in future.text
        late_promise = client.post("/v1/outcomes", headers=north, json={"outcomes": [
            outcome("v5", "b", "promise_to_pay", amount=1, promised_for="2026-11-01")]})
        assert late_promise.status_code == 422
        case = client.get("/v1/cases/b", params={"date": DAY}, headers=north).json()
        assert case["visits"] == []  # v9, v8, v6 and v5 were all refused with their batches
