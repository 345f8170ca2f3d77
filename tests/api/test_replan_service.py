"""``POST /v1/plans/{id}/replan`` on SQLite and PostgreSQL: a job of its own, re-planned from
the stored plan, re-planned again from the re-plan, tenant-isolated, bad events refused."""

from __future__ import annotations

from tests.api.test_service import service, small_day
from tests.conftest import at, customer
from verify.replan import ReplanChecker


def test_a_plan_is_replanned_twice_and_each_replan_passes_the_checker(database_url):
    body = small_day()
    with service(database_url) as (client, north, south):
        first = client.post("/v1/plans?wait=30", json=body, headers=north).json()
        plan = first["result"]
        step = next(s for s in plan["routes"][0]["steps"] if s["type"] == "visit")
        events = {"at": at("10:00"),
                  "done": [{"customer_id": step["customer_id"], "collector_id": "k1",
                            "service_start": step["service_start"],
                            "service_end": step["service_end"]}],
                  "added": [customer("d", 2, value=500)]}
        response = client.post(f"/v1/plans/{first['id']}/replan?wait=30", json=events,
                               headers=north)
        assert response.status_code == 200, response.text
        job = response.json()
        assert job["kind"] == "replan" and job["status"] == "succeeded"
        result = job["result"]
        assert not ReplanChecker(result["request"], plan, events).check(result)
        assert any(c["change"] == "added" and c["customer_id"] == "d" for c in result["changes"])

        again = {"at": at("12:00"), "cancelled": ["d"]} if "d" not in {
            s.get("customer_id") for r in result["routes"] for s in r["steps"]
            if s.get("state") != "planned"} else {"at": at("12:00")}
        second = client.post(f"/v1/plans/{job['id']}/replan?wait=30", json=again, headers=north)
        assert second.status_code == 200, second.text
        final = second.json()["result"]
        assert not ReplanChecker(final["request"], result, again).check(final)
        done = [s for r in final["routes"] for s in r["steps"]
                if s["type"] == "visit" and s["state"] == "done"]
        assert [s["customer_id"] for s in done] == [step["customer_id"]]

        # Another tenant cannot see, nor re-plan, the plan.
        other = client.post(f"/v1/plans/{first['id']}/replan", json=events, headers=south)
        assert other.status_code == 404


def test_events_that_contradict_the_plan_are_a_422_naming_the_field(database_url):
    with service(database_url) as (client, north, _):
        first = client.post("/v1/plans?wait=30", json=small_day(), headers=north).json()
        response = client.post(f"/v1/plans/{first['id']}/replan", headers=north, json={
            "at": at("10:00"), "done": [{"customer_id": "zz", "collector_id": "k1",
                                         "service_start": at("09:30"),
                                         "service_end": at("09:40")}]})
        assert response.status_code == 422
        assert response.json()["errors"] == [{"field": "done[0].customer_id",
                                              "reason": "unknown customer 'zz'"}]
        missing = client.post("/v1/plans/0123456789abcdef/replan", headers=north,
                              json={"at": at("10:00")})
        assert missing.status_code == 404


def test_a_visit_reported_done_with_its_outcome_is_recorded_in_the_case_file(database_url):
    """The dispatcher reports once: the re-plan keeps the visit, and the case file holds its
    outcome (a promise to pay) for the follow-up policy; sent again, it is left as it is."""
    with service(database_url) as (client, north, _):
        first = client.post("/v1/plans?wait=30", json=small_day(), headers=north).json()
        step = next(s for s in first["result"]["routes"][0]["steps"] if s["type"] == "visit")
        outcome = {"id": "v-1", "collector": "k1", "visited_at": step["service_start"],
                   "outcome": "promise_to_pay", "amount": 800, "promised_for": "2026-12-04"}
        events = {"at": at("11:00"), "done": [{
            "customer_id": step["customer_id"], "collector_id": "k1",
            "service_start": step["service_start"], "service_end": step["service_end"],
            "outcome": outcome}]}
        for _ in range(2):
            response = client.post(f"/v1/plans/{first['id']}/replan?wait=30", json=events,
                                   headers=north)
            assert response.status_code == 200, response.text
        case = client.get(f"/v1/cases/{step['customer_id']}?date=2026-12-02",
                          headers=north).json()
        assert [(v["id"], v["outcome"]) for v in case["visits"]] == [("v-1", "promise_to_pay")]
        assert case["state"]["hold"] == "promise_pending"

        wrong = {**events, "done": [{**events["done"][0],
                                     "outcome": {**outcome, "collector": "k9"}}]}
        refused = client.post(f"/v1/plans/{first['id']}/replan", json=wrong, headers=north)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "done[0].outcome.collector"
