"""Every example request still validates, solves, and passes the checker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import plan, reasons

EXAMPLES = sorted(Path(__file__).resolve().parents[1].joinpath("examples").glob("plan_request*.json"))


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
