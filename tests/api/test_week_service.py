"""``POST /v1/weeks`` on SQLite and PostgreSQL: a job of its own whose result passes the
independent week checker; a week out of order is a 422 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.test_service import service
from verify.week import WeekChecker

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "week_request.json"


def test_a_week_is_planned_as_a_job_and_passes_the_checker(database_url):
    body = json.loads(EXAMPLE.read_text())
    with service(database_url) as (client, north, _):
        response = client.post("/v1/weeks?wait=60", json=body, headers=north)
        assert response.status_code == 200, response.text
        job = response.json()
        assert job["kind"] == "week" and job["status"] == "succeeded"
        result = job["result"]
        assert [d["date"] for d in result["days"]] == body["days"]
        assert not WeekChecker(body).check(result)


def test_a_week_out_of_order_is_a_422_naming_the_day(database_url):
    body = json.loads(EXAMPLE.read_text())
    body["days"] = list(reversed(body["days"]))
    with service(database_url) as (client, north, _):
        response = client.post("/v1/weeks", json=body, headers=north)
        assert response.status_code == 422
        assert any("days[1]" in e["reason"] or e["field"].startswith("days")
                   for e in response.json()["errors"])
