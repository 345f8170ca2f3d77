"""``fieldplan assign`` through its real entry point: JSON and CSV input, bad rows, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.cli import DEFAULT_DATA
from verify.allocation import AllocationChecker

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FIELDPLAN, "assign", *args], capture_output=True, text=True,
                          timeout=120)


def test_json_example_is_allocated_and_passes_the_checker(tmp_path):
    out = tmp_path / "a.json"
    done = _run(str(EXAMPLES / "assign_request.json"), "-o", str(out), "--time-limit", "3")
    assert done.returncode == 0, done.stderr
    response = json.loads(out.read_text())
    request = json.loads((EXAMPLES / "assign_request.json").read_text())
    checker = AllocationChecker(request)
    assert checker.check(response) == []
    for u in response["unallocated"]:
        assert checker.reason_is_true(response, u["case_id"]) is None
    assert response["gap"] is not None and response["bound"] >= response["objective"]


def test_csv_files_give_the_same_cases_as_rows(tmp_path):
    out = tmp_path / "a.json"
    done = _run("--cases", str(EXAMPLES / "cases.csv"), "--collectors",
                str(EXAMPLES / "collectors.csv"), "--policy", str(EXAMPLES / "assign_policy.json"),
                "-o", str(out))
    assert done.returncode == 0, done.stderr
    response = json.loads(out.read_text())
    rows = (EXAMPLES / "cases.csv").read_text().strip().splitlines()[1:]
    assert response["summary"]["cases"] == len(rows)  # no row silently dropped


def test_a_bad_cell_is_reported_with_file_row_and_column(tmp_path):
    cases = tmp_path / "cases.csv"
    lines = (EXAMPLES / "cases.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("lat")] = "north"
    lines[2] = ",".join(cells)
    cells = lines[3].split(",")
    cells[header.index("balance")] = ""
    lines[3] = ",".join(cells)
    cases.write_text("\n".join(lines) + "\n")
    done = _run("--cases", str(cases), "--collectors", str(EXAMPLES / "collectors.csv"))
    assert done.returncode == 2
    assert "cases.csv:3:lat" in done.stderr
    assert "cases.csv:4:balance" in done.stderr and "Traceback" not in done.stderr


def test_an_unknown_current_collector_exits_2(tmp_path):
    body = json.loads((EXAMPLES / "assign_request.json").read_text())
    body["cases"][0]["current_collector"] = "ghost"
    path = tmp_path / "req.json"
    path.write_text(json.dumps(body))
    done = _run(str(path))
    assert done.returncode == 2
    assert "cases[0].current_collector" in done.stderr


def test_mandatory_cases_beyond_capacity_exit_3_with_a_warning(tmp_path):
    body = {"cases": [{"id": f"m{i}", "location": {"lat": 31.2, "lon": 121.4}, "balance": 1000,
                       "bucket": "M1", "expected_value": 100, "mandatory": True}
                      for i in range(3)],
            "collectors": [{"id": "A", "base": {"lat": 31.2, "lon": 121.41},
                            "capacity_hours": 2}]}
    path = tmp_path / "req.json"
    path.write_text(json.dumps(body))
    done = _run(str(path), "-o", str(tmp_path / "out.json"))
    assert done.returncode == 3
    assert "mandatory cases need 3.0 h" in done.stderr
    assert "mandatory missed: m" in done.stderr


GAP = DEFAULT_DATA / "gap"


@pytest.mark.skipif(not GAP.exists(), reason="no GAP benchmark data")
@pytest.mark.parametrize("name", ["gap1-0", "gap8-2", "gap12-4"])
def test_gap_instances_are_solved_to_their_optimum(name):
    from allocation.model import solve_exact
    from benchmarks.gap import gap_table, read_gap

    row = gap_table(GAP.parent)[name]
    instance = read_gap(GAP / row["file"])
    result = solve_exact(instance.as_assignment(), time_limit=30)
    assignment = [int(instance.as_assignment().agent[p]) for p in result.chosen]
    assert instance.cost_of(assignment) == int(row["best_min_cost"])
    assert result.status == "optimal"

