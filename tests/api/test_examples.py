"""Every example request still validates, solves, and passes the checker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import plan, reasons

EXAMPLES = sorted(Path(__file__).resolve().parents[2].joinpath("examples").glob("plan_request*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_request_solves_and_passes_the_checker(path):
    body = json.loads(path.read_text())
    body["options"] = {**body.get("options", {}), "time_limit_seconds": 2}
    assert plan(body)["routes"]


def test_the_matrix_example_shows_the_rules_at_work():
    body = json.loads(Path("examples/plan_request_matrix.json").read_text())
    response = plan(body)
    visited = {s["customer_id"]: r["collector_id"] for r in response["routes"]
               for s in r["steps"] if s["type"] == "visit"}
    assert visited["K3"] == "li-wang"  # the two-person evening visit goes to the crew
    assert visited["K2"] == "zhang"  # the Shanghainese speaker
    assert "K1" in visited  # the promise-to-pay follow-up
    assert reasons(response) == {"K4": "resting_after_recent_visit"}


ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "examples" / "api"


def test_every_api_example_request_gets_the_documented_answer(tmp_path):
    """Each request in examples/api is submitted; the answer has the example response's status
    code class, shape and outcome (ids and times differ)."""
    from fastapi.testclient import TestClient

    from api.config import Settings
    from api.main import create_app
    from api.schemas.jobs import JobOut
    from verify.day_plan import Checker

    with TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path}/e.db",
                                        auth=False))) as client:
        for request_file in sorted(API.glob("post_*.request.json")):
            endpoint = "/v1/" + request_file.name.split(".")[0].removeprefix("post_")
            body = json.loads(request_file.read_text())
            answer = client.post(f"{endpoint}?wait=30", json=body)
            expected = json.loads(request_file.with_name(
                request_file.name.replace(".request.", ".response.")).read_text())
            if "errors" in expected:
                assert answer.status_code == 422
                assert answer.json() == expected
                continue
            assert answer.status_code == 200, answer.text
            job = JobOut.model_validate(answer.json())
            JobOut.model_validate(expected)
            assert job.status == expected["status"] == "succeeded"
            assert job.result["status"] == expected["result"]["status"]
            if endpoint == "/v1/plans":
                assert Checker(body).check(job.result) == []
                assert Checker(body).check(expected["result"]) == []
    listing = json.loads((API / "get_jobs.response.json").read_text())
    assert all(JobOut.model_validate(j) for j in listing["jobs"])


def test_the_library_example_runs(tmp_path):
    """examples/library.py plans its day."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "examples" / "library.py")],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("zhang: K1 at 10:00")


def test_the_cron_script_runs_the_nightly_job_on_the_sample_workbooks(tmp_path):
    """examples/nightly.sh on examples/cases.xlsx and collectors.xlsx (Chinese headers)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "FIELDPLAN": str(Path(sys.executable).parent / "fieldplan"),
           "ALLOCATION_SECONDS": "2", "PLAN_SECONDS": "1"}
    done = subprocess.run(["bash", str(ROOT / "examples" / "nightly.sh"),
                           str(ROOT / "examples" / "cases.xlsx"),
                           str(ROOT / "examples" / "collectors.xlsx"), str(tmp_path)],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode in (0, 3), done.stderr
    (day,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (day / "allocation.json").exists() and list((day / "plans").glob("*.html"))
    log = [json.loads(line) for line in (day / "nightly.log").read_text().splitlines()]
    assert log[0]["event"] == "allocation_start"


def test_the_allocation_example_response_is_feasible_for_its_request():
    """examples/assign_response.json, checked independently against assign_request.json."""
    from verify.allocation import AllocationChecker

    request = json.loads((ROOT / "examples" / "assign_request.json").read_text())
    response = json.loads((ROOT / "examples" / "assign_response.json").read_text())
    assert AllocationChecker(request).check(response) == []


def test_the_job_examples_match_the_documented_schema():
    """Every job shown in examples/api is a valid JobOut, in the state its name says."""
    from api.schemas.jobs import JobOut

    assert JobOut.model_validate_json((API / "get_job.response.json").read_text()).result
    assert JobOut.model_validate_json(
        (API / "delete_job.response.json").read_text()).status == "cancelled"
