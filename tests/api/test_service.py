"""The HTTP service through FastAPI's TestClient, on SQLite and on PostgreSQL: jobs, waiting,
idempotency, back-pressure, tenancy, cancelling, recovery after a crash, retention, errors."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import keys
from api.config import Settings
from api.db import AuditEntry, Job, connect, migrate
from api.jobs import store
from api.main import create_app
from tests.conftest import collector, customer, request
from verify.day_plan import Checker

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def small_day() -> dict:
    """Three customers on a line; solves in well under a second."""
    line = [[abs(i - j) * 600 for j in range(4)] for i in range(4)]
    return request([customer("a", 1), customer("b", 2), customer("c", 3, mandatory=True)],
                   [collector("k1")], line)


def slow_day(seconds: float = 30) -> dict:
    """A generated 60-customer day that searches for its whole time limit."""
    body = json.loads((EXAMPLES / "plan_request.json").read_text())
    body["options"] = {"time_limit_seconds": seconds}
    return body


@contextmanager
def service(database_url: str, **overrides):
    """A running application (dispatcher included) and one key for each of two tenants."""
    engine = connect(database_url)
    migrate(engine)
    key_a = keys.create(engine, "north")[1]
    key_b = keys.create(engine, "south")[1]
    settings = Settings(database_url=database_url, **{"concurrent_solves": 2, **overrides})
    with TestClient(create_app(settings)) as client:
        yield client, {"Authorization": f"Bearer {key_a}"}, {"Authorization": f"Bearer {key_b}"}
    engine.dispose()


def wait_until(client, job_id: str, headers: dict, statuses=store.FINISHED, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']} after {seconds} s")


def test_a_small_plan_is_answered_at_once_with_wait_and_passes_the_checker(database_url):
    """?wait= returns the finished job with its plan; the plan is checked independently."""
    body = small_day()
    with service(database_url) as (client, north, _):
        response = client.post("/v1/plans?wait=30", json=body, headers=north)
        assert response.status_code == 200, response.text
        job = response.json()
        assert job["status"] == "succeeded" and job["kind"] == "plan"
        assert response.headers["location"] == f"/v1/jobs/{job['id']}"
        assert not Checker(body).check(job["result"])
        assert job["result"]["summary"]["visits"] == 3
        progress = job["progress"]
        assert progress["elapsed_seconds"] >= 0
        assert progress["time_limit_seconds"] == body["options"]["time_limit_seconds"]
        assert progress["solutions"] >= 1
        # The search's objective includes no bonus or balance terms here: it is the plan's.
        assert progress["best_objective"] == pytest.approx(job["result"]["summary"]["objective"],
                                                           abs=0.02)


def test_a_job_is_accepted_with_202_then_followed_to_its_result(database_url):
    """Without ?wait= the answer is 202 at once; the job then runs to success."""
    with service(database_url) as (client, north, _):
        response = client.post("/v1/plans", json=small_day(), headers=north)
        assert response.status_code == 202
        assert response.json()["status"] in ("queued", "running", "succeeded")
        job = wait_until(client, response.json()["id"], north)
        assert job["status"] == "succeeded" and job["result"]["status"] == "complete"
        assert job["attempt"] == 1
        refused = client.delete(f"/v1/jobs/{job['id']}", headers=north)
        assert refused.status_code == 409 and "succeeded" in refused.json()["detail"]


def test_an_allocation_runs_as_a_job(database_url):
    """POST /v1/allocations takes the `fieldplan assign` format."""
    body = json.loads((EXAMPLES / "assign_request.json").read_text())
    with service(database_url) as (client, north, _):
        response = client.post("/v1/allocations?wait=60", json=body, headers=north)
        assert response.status_code == 200, response.text
        result = response.json()["result"]
        assert response.json()["kind"] == "allocation"
        assert result["summary"]["cases"] == len(body["cases"])


def test_the_same_idempotency_key_never_starts_the_same_work_twice(database_url):
    """A retried submission returns the first job; the key with other work is refused."""
    with service(database_url) as (client, north, south) :
        headers = {**north, "Idempotency-Key": "nightly-2026-12-01"}
        first = client.post("/v1/plans", json=small_day(), headers=headers)
        again = client.post("/v1/plans", json=small_day(), headers=headers)
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["idempotent-replayed"] == "true"
        other = small_day()
        other["customers"] = other["customers"][:2]
        refused = client.post("/v1/plans", json=other, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "header: Idempotency-Key"
        # Keys are per tenant: another tenant's identical key is new work.
        theirs = client.post("/v1/plans", json=small_day(),
                             headers={**south, "Idempotency-Key": "nightly-2026-12-01"})
        assert theirs.json()["id"] != first.json()["id"]
        listed = client.get("/v1/jobs", headers=north).json()["jobs"]
        assert len(listed) == 1


def test_a_full_queue_answers_429_with_retry_after(database_url):
    """One solve at a time and one queued job per tenant: the tenant's next submission is
    refused politely, while the other tenant's is still taken."""
    with service(database_url, concurrent_solves=1, max_queued_per_tenant=1, max_queued=3
                 ) as (client, north, south):
        running = client.post("/v1/plans", json=slow_day(), headers=north).json()
        wait_until(client, running["id"], north, statuses=("running",))
        queued = client.post("/v1/plans", json=slow_day(), headers=north)
        assert queued.status_code == 202
        refused = client.post("/v1/plans", json=slow_day(), headers=north)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "1 jobs of this tenant are waiting" in refused.json()["detail"]
        theirs = client.post("/v1/plans", json=slow_day(), headers=south)
        assert theirs.status_code == 202
        for job_id, key in ((running["id"], north), (queued.json()["id"], north),
                            (theirs.json()["id"], south)):
            assert client.delete(f"/v1/jobs/{job_id}", headers=key).status_code == 200


def test_cancelling_stops_a_running_solve_at_once(database_url):
    """DELETE ends the solver process; the job stays cancelled without a result."""
    with service(database_url) as (client, north, _):
        job = client.post("/v1/plans", json=slow_day(60), headers=north).json()
        wait_until(client, job["id"], north, statuses=("running",))
        cancelled = client.delete(f"/v1/jobs/{job['id']}", headers=north)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        dispatcher = client.app.state.dispatcher
        deadline = time.monotonic() + 10
        while dispatcher.running and time.monotonic() < deadline:
            time.sleep(0.1)
        assert dispatcher.running == 0
        after = client.get(f"/v1/jobs/{job['id']}", headers=north).json()
        assert after["status"] == "cancelled" and after["result"] is None
        # Cancelling again answers 409, as for any finished job, and changes nothing.
        again = client.delete(f"/v1/jobs/{job['id']}", headers=north)
        assert again.status_code == 409 and "already cancelled" in again.json()["detail"]
        assert client.get(f"/v1/jobs/{job['id']}", headers=north).json()["status"] == "cancelled"


def test_a_tenant_cannot_list_read_or_cancel_another_tenants_jobs(database_url):
    """Tenant B sees 404 for tenant A's job, and does not list it."""
    with service(database_url) as (client, north, south):
        job = client.post("/v1/plans", json=small_day(), headers=north).json()
        assert client.get(f"/v1/jobs/{job['id']}", headers=south).status_code == 404
        assert client.delete(f"/v1/jobs/{job['id']}", headers=south).status_code == 404
        assert client.get("/v1/jobs", headers=south).json()["jobs"] == []
        assert client.get(f"/v1/jobs/{job['id']}", headers=north).status_code == 200


def test_requests_without_a_valid_key_get_401(database_url):
    """No key, an unknown key and a revoked key are all refused."""
    with service(database_url) as (client, north, _):
        assert client.get("/v1/jobs").status_code == 401
        assert client.get("/v1/jobs").headers["www-authenticate"] == "Bearer"
        assert client.get("/v1/jobs", headers={"Authorization": "Bearer fp_x_y"}
                          ).status_code == 401
        key = north["Authorization"].split()[1]
        assert keys.revoke(client.app.state.engine, key)
        assert client.get("/v1/jobs", headers=north).status_code == 401


def test_jobs_are_listed_newest_first_with_filters_and_pages(database_url):
    """Pages follow next_cursor; kind and status filter."""
    with service(database_url) as (client, north, _):
        ids = [client.post("/v1/plans?wait=30", json=small_day(), headers=north).json()["id"]
               for _ in range(3)]
        first = client.get("/v1/jobs?limit=2", headers=north).json()
        assert [j["id"] for j in first["jobs"]] == ids[::-1][:2]
        assert all(j["result"] is None for j in first["jobs"])
        second = client.get(f"/v1/jobs?limit=2&cursor={first['next_cursor']}",
                            headers=north).json()
        assert [j["id"] for j in second["jobs"]] == [ids[0]] and second["next_cursor"] is None
        assert client.get("/v1/jobs?kind=allocation", headers=north).json()["jobs"] == []
        assert len(client.get("/v1/jobs?status=succeeded", headers=north).json()["jobs"]) == 3
        assert client.get("/v1/jobs?status=done", headers=north).status_code == 422


def test_jobs_left_running_by_a_crash_are_run_again_or_failed_with_the_reason(database_url):
    """A running job whose server went quiet is queued again; one interrupted too often fails."""
    engine = connect(database_url)
    migrate(engine)
    from api.jobs.kinds import accept_plan
    from api.schemas.plan import PlanRequest
    accepted = accept_plan(PlanRequest.model_validate(small_day()), Settings())
    ids = []
    for attempt in (1, 2):
        job, _ = store.submit(engine, tenant="local", key_id=None, accepted=accepted,
                              idempotency_key=None)
        with Session(engine) as session:
            session.execute(update(Job).where(Job.id == job.id).values(
                status="running", attempt=attempt, owner="gone:1:x",
                heartbeat_at=store.now() - timedelta(minutes=5)))
            session.commit()
        ids.append(job.id)
    with service(database_url, auth=False) as (client, _, __):
        resumed = wait_until(client, ids[0], {})
        assert resumed["status"] == "succeeded" and resumed["attempt"] == 2
        failed = wait_until(client, ids[1], {})
        assert failed["status"] == "failed" and "interrupted" in failed["error"]


def test_finished_jobs_past_the_retention_period_are_purged(database_url):
    """Requests and results hold personal data: old ones are deleted; the audit trail stays."""
    with service(database_url) as (client, north, _):
        job = client.post("/v1/plans?wait=30", json=small_day(), headers=north).json()
        engine = client.app.state.engine
        with Session(engine) as session:
            session.execute(update(Job).where(Job.id == job["id"]).values(
                finished_at=store.now() - timedelta(days=31)))
            session.commit()
        assert store.purge(engine, retention_days=30) == 1
        assert client.get(f"/v1/jobs/{job['id']}", headers=north).status_code == 404
        with Session(engine) as session:
            actions = session.scalars(select(AuditEntry.action).where(
                AuditEntry.job_id == job["id"])).all()
        assert "submit" in actions


def test_a_tenant_erases_a_finished_job_at_once_and_the_audit_trail_says_who(database_url):
    """DELETE ?purge=true: the request and result (debtors' ids, places) are gone from the
    database; a job still running must be cancelled first; another tenant cannot erase it."""
    body = small_day()
    body["customers"][0]["id"] = "Zhang Wei 13800138000"
    with service(database_url, concurrent_solves=1) as (client, north, south):
        job = client.post("/v1/plans?wait=30", json=body, headers=north).json()
        assert job["status"] == "succeeded"
        slow = client.post("/v1/plans", json=slow_day(), headers=north).json()
        unfinished = client.delete(f"/v1/jobs/{slow['id']}?purge=true", headers=north)
        assert unfinished.status_code == 409 and "cancel it first" in unfinished.json()["detail"]
        assert client.delete(f"/v1/jobs/{slow['id']}", headers=north).status_code == 200
        assert client.delete(f"/v1/jobs/{job['id']}?purge=true", headers=south
                             ).status_code == 404
        erased = client.delete(f"/v1/jobs/{job['id']}?purge=true", headers=north)
        assert erased.status_code == 204 and not erased.content
        assert client.get(f"/v1/jobs/{job['id']}", headers=north).status_code == 404
        assert client.delete(f"/v1/jobs/{job['id']}?purge=true", headers=north
                             ).status_code == 404
        assert client.delete(f"/v1/jobs/{slow['id']}?purge=true", headers=north
                             ).status_code == 204
        engine = client.app.state.engine
        with Session(engine) as session:
            left = session.scalars(select(Job.request)).all()
            erasures = session.scalars(select(AuditEntry).where(
                AuditEntry.action == "erase")).all()
        assert not any("Zhang" in (text or "") for text in left)
        assert {e.job_id for e in erasures} == {job["id"], slow["id"]}
        assert all(e.tenant == "north" and e.key_id for e in erasures)


def test_the_audit_trail_holds_ids_never_personal_data(database_url):
    """Who, when, what: tenant, key id, action, job id."""
    body = small_day()
    body["customers"][0]["id"] = "Zhang Wei, 13800138000"
    with service(database_url) as (client, north, _):
        job = client.post("/v1/plans?wait=30", json=body, headers=north).json()
        client.get(f"/v1/jobs/{job['id']}", headers=north)
        with Session(client.app.state.engine) as session:
            entries = session.scalars(select(AuditEntry)).all()
        text = json.dumps([[e.tenant, e.key_id, e.action, e.job_id, e.detail] for e in entries])
        assert "Zhang" not in text and "13800138000" not in text  # (ids are hex: "138" may occur)
        assert {"submit", "read_result"} <= {e.action for e in entries}


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda b: b.update(bogus=1), "bogus"),
    (lambda b: b["collectors"][0]["shift"].update(start="2026-12-01T09:00:00"),
     "collectors[0].shift.start"),
    (lambda b: b["customers"][1].update(value="lots"), "customers[1].value"),
    (lambda b: b["customers"][0]["location"].update(lat=91), "customers[0].location.lat"),
    (lambda b: b.pop("collectors"), "collectors"),
])
def test_bad_plan_requests_get_422_naming_the_field(mutate, field, tmp_path):
    """Each bad input is a 4xx whose body names the field and the reason."""
    body = small_day()
    mutate(body)
    with service(f"sqlite:///{tmp_path}/f.db") as (client, north, _):
        response = client.post("/v1/plans", json=body, headers=north)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
    assert all(e["reason"] for e in response.json()["errors"])


def test_malformed_bodies_and_parameters_are_4xx_never_500(tmp_path):
    """Invalid JSON, a wrong content, bad query parameters, an unknown job id."""
    with service(f"sqlite:///{tmp_path}/f.db") as (client, north, _):
        bad_json = client.post("/v1/plans", content=b"{not json",
                               headers={**north, "Content-Type": "application/json"})
        assert bad_json.status_code == 422 and bad_json.json()["errors"]
        assert client.post("/v1/plans", json=[], headers=north).status_code == 422
        assert client.post("/v1/plans?wait=-1", json=small_day(),
                           headers=north).status_code == 422
        assert client.get("/v1/jobs?cursor=abc", headers=north).status_code == 422
        assert client.get("/v1/jobs/" + "x" * 500, headers=north).status_code == 404
        assert client.get("/nowhere").status_code == 404


def test_size_caps_answer_413_for_the_body_and_422_for_counts(tmp_path):
    """Bodies above FIELDPLAN_MAX_BODY_BYTES: 413; more customers than allowed: 422."""
    url = f"sqlite:///{tmp_path}/f.db"
    with service(url, max_body_bytes=2048, max_customers=2) as (client, north, _):
        big = small_day()
        big["customers"][0]["notes"] = "x" * 4096
        too_big = client.post("/v1/plans", json=big, headers=north)
        assert too_big.status_code == 413 and too_big.json()["errors"]
        too_many = client.post("/v1/plans", json=small_day(), headers=north)
        assert too_many.status_code == 422
        assert too_many.json()["errors"][0]["field"] == "customers"
        assert "at most 2" in too_many.json()["errors"][0]["reason"]


def test_time_limits_above_the_services_maximum_are_lowered_with_a_warning(tmp_path):
    """Per-request time limits are capped by settings."""
    body = small_day()
    body["options"]["time_limit_seconds"] = 600
    with service(f"sqlite:///{tmp_path}/f.db", max_time_limit_seconds=5) as (client, north, _):
        job = client.post("/v1/plans?wait=30", json=body, headers=north).json()
    assert job["progress"]["time_limit_seconds"] == 5
    assert "lowered to 5" in job["warnings"][0]


def test_health_readiness_and_metrics(tmp_path):
    """healthz, readyz (database and workers) and Prometheus metrics."""
    with service(f"sqlite:///{tmp_path}/f.db") as (client, north, _):
        client.post("/v1/plans?wait=30", json=small_day(), headers=north)
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["workers"] == "ok"
        text = client.get("/metrics").text
    assert 'fieldplan_jobs{status="succeeded"} 1.0' in text
    assert "fieldplan_queue_depth 0.0" in text
    assert 'fieldplan_http_request_seconds_count{method="POST",route="/v1/plans"' in text
    assert "fieldplan_solve_seconds_count" in text


def test_the_openapi_document_has_examples_and_security(tmp_path):
    """Every endpoint is documented; requests carry the bearer scheme."""
    with service(f"sqlite:///{tmp_path}/f.db") as (client, _, __):
        spec = client.get("/openapi.json").json()
    assert {"/v1/plans", "/v1/allocations", "/v1/jobs", "/v1/jobs/{job_id}", "/healthz",
            "/readyz", "/metrics"} <= set(spec["paths"])
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_every_openapi_example_is_accepted_and_solved(tmp_path):
    """The examples shown in /docs are valid requests that the service solves."""
    with service(f"sqlite:///{tmp_path}/f.db") as (client, north, _):
        spec = client.get("/openapi.json").json()
        submitted = 0
        for path in ("/v1/plans", "/v1/allocations"):
            content = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
            for example in content["examples"].values():
                response = client.post(f"{path}?wait=30", json=example["value"], headers=north)
                assert response.status_code == 200, response.text
                assert response.json()["status"] == "succeeded"
                if path == "/v1/plans":
                    assert not Checker(example["value"]).check(response.json()["result"])
                submitted += 1
    assert submitted == 2


def test_browsers_are_refused_unless_their_origin_is_configured(tmp_path):
    """CORS is closed by default; FIELDPLAN_CORS_ORIGINS opens it to named origins only."""
    preflight = {"Origin": "https://dispatch.example.com", "Access-Control-Request-Method": "POST"}
    with service(f"sqlite:///{tmp_path}/a.db") as (client, _, __):
        closed = client.options("/v1/plans", headers=preflight)
        assert "access-control-allow-origin" not in closed.headers
    with service(f"sqlite:///{tmp_path}/b.db",
                 cors_origins=["https://dispatch.example.com"]) as (client, _, __):
        opened = client.options("/v1/plans", headers=preflight)
        assert opened.headers["access-control-allow-origin"] == "https://dispatch.example.com"
        other = client.options("/v1/plans", headers={**preflight, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_an_allocation_job_reports_its_objective_and_bound(tmp_path):
    """Progress of the exact method: the objective found never exceeds its bound."""
    body = json.loads((EXAMPLES / "assign_request.json").read_text())
    with service(f"sqlite:///{tmp_path}/f.db") as (client, north, _):
        job = client.post("/v1/allocations?wait=60", json=body, headers=north).json()
    progress = job["progress"]
    assert progress["solutions"] >= 1
    assert progress["best_objective"] <= progress["bound"] + 0.01


def test_the_service_serves_the_map_of_a_finished_plan_to_its_tenant_only(tmp_path):
    """/plans/{id}/map: the page for the owner; 404 for another tenant; 409 before it is done."""
    with service(f"sqlite:///{tmp_path}/f.db") as (client, north, south):
        job = client.post("/v1/plans?wait=30", json=small_day(), headers=north).json()
        page = client.get(f"/plans/{job['id']}/map", headers=north)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "plan-data" in page.text and "L.map" in page.text
        assert client.get(f"/plans/{job['id']}/map", headers=south).status_code == 404
        assert client.get(f"/plans/{job['id']}/map").status_code == 401
        running = client.post("/v1/plans", json=slow_day(), headers=north).json()
        assert client.get(f"/plans/{running['id']}/map", headers=north).status_code == 409
        client.delete(f"/v1/jobs/{running['id']}", headers=north)
