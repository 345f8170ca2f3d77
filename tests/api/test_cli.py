"""The ``fieldplan plan`` command through its real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import at, collector, customer, request
from verify.day_plan import Checker

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FIELDPLAN, *args], capture_output=True, text=True, timeout=120)


def test_plans_the_example_day_and_the_plan_passes_the_checker(tmp_path):
    out = tmp_path / "plan.json"
    done = _run("plan", "examples/plan_request.json", "-o", str(out), "--time-limit", "2")
    assert done.returncode == 0, done.stderr
    plan = json.loads(out.read_text())
    assert plan["routes"] and plan["summary"]["visits"] > 0
    assert Checker(json.loads(Path("examples/plan_request.json").read_text())).check(plan) == []


def test_bad_json_exits_2_with_a_message(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = _run("plan", str(bad))
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr and "Traceback" not in done.stderr


def test_invalid_field_exits_2_naming_the_field(tmp_path):
    body = request([customer("c1", 1, service=-1)], [collector("A")], [[0, 1], [1, 0]])
    path = tmp_path / "req.json"
    path.write_text(json.dumps(body))
    done = _run("plan", str(path))
    assert done.returncode == 2
    assert "customers[0].service_seconds" in done.stderr and "Traceback" not in done.stderr


def test_missing_file_exits_2(tmp_path):
    done = _run("plan", str(tmp_path / "nope.json"))
    assert done.returncode == 2 and "no such file" in done.stderr


def test_a_missed_mandatory_visit_exits_3_and_still_writes_the_plan(tmp_path):
    c = customer("ptp", 1, mandatory=True,
                 time_windows=[{"start": at("09:00"), "end": at("09:05")}])
    path, out = tmp_path / "req.json", tmp_path / "plan.json"
    path.write_text(json.dumps(request([c], [collector("A")], [[0, 600], [600, 0]])))
    done = _run("plan", str(path), "-o", str(out))
    assert done.returncode == 3
    assert json.loads(out.read_text())["status"] == "mandatory_missed"
