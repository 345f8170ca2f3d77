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
    assert "mandatory missed: ptp: " in done.stderr  # which one, and why in words


def test_replans_the_example_day_and_the_replan_passes_the_checker(tmp_path):
    from verify.replan import ReplanChecker

    first, second = tmp_path / "plan.json", tmp_path / "plan2.json"
    assert _run("plan", "examples/plan_request_matrix.json", "-o", str(first)).returncode == 0
    done = _run("replan", str(first), "examples/replan_events.json", "-o", str(second),
                "-o", str(tmp_path / "routes2.xlsx"))
    assert done.returncode == 0, done.stderr
    events = json.loads(Path("examples/replan_events.json").read_text())
    plan, replan = json.loads(first.read_text()), json.loads(second.read_text())
    assert ReplanChecker(replan["request"], plan, events).check(replan) == []
    assert {(c["collector_id"], c["change"], c["customer_id"]) for c in replan["changes"]} >= {
        ("zhang", "added", "K5")}


def test_replan_events_that_contradict_the_plan_exit_2_naming_the_event(tmp_path):
    first, events = tmp_path / "plan.json", tmp_path / "events.json"
    assert _run("plan", "examples/plan_request_matrix.json", "-o", str(first)).returncode == 0
    events.write_text(json.dumps({"at": at("10:00"), "positions": [
        {"collector_id": "zhang", "location": {"lat": 31.2, "lon": 121.4}, "at": at("09:30")}]}))
    done = _run("replan", str(first), str(events))
    assert done.returncode == 2
    assert "positions[0].location.matrix_index: required with a custom matrix" in done.stderr
    assert "Traceback" not in done.stderr


def test_plans_the_example_week_with_a_sheet_and_a_map_per_day(tmp_path):
    from openpyxl import load_workbook

    from verify.week import WeekChecker

    out = tmp_path / "week.json"
    done = _run("plan-week", "examples/week_request.json", "-o", str(out),
                "-o", str(tmp_path / "week.xlsx"), "-o", str(tmp_path / "week.html"))
    assert done.returncode in (0, 3), done.stderr
    body = json.loads(Path("examples/week_request.json").read_text())
    week = json.loads(out.read_text())
    assert WeekChecker(body).check(week) == []
    assert load_workbook(tmp_path / "week.xlsx").sheetnames == ["Week", *body["days"]]
    for day in body["days"]:
        assert (tmp_path / f"week-{day}.html").exists()
