"""The dispatcher and nightly commands through the real entry point: the nightly job and its
resume after a kill, Excel and Chinese headers, bad rows by row and column, --strict, exit
codes."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import Workbook, load_workbook

from api import demo
from api.tables import ALIASES
from verify.day_plan import Checker

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([FIELDPLAN, *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd)


def _city(folder: Path, cases: int = 240, per_district: int = 3) -> tuple[Path, Path]:
    return demo.city(folder, cases=cases, collectors_per_district=per_district)


def _check_region_plans(out: Path) -> int:
    """Every region's plan passes the independent checker; returns the number of regions."""
    plans = sorted((out / "plans").glob("*.request.json"))
    for request_file in plans:
        body = json.loads(request_file.read_text())
        plan = json.loads(request_file.with_name(
            request_file.name.replace(".request.json", ".json")).read_text())
        checker = Checker(body)
        assert checker.check(plan) == [], request_file.name
        for u in plan["unassigned"]:
            assert checker.reason_is_true(plan, u["customer_id"]) is None, u
    return len(plans)


def test_nightly_allocates_then_plans_every_region_and_writes_every_output(tmp_path):
    """allocation.json/csv, and per region the plan, stops, route sheets and map."""
    cases, collectors = _city(tmp_path / "in")
    out = tmp_path / "out"
    done = _run("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out", str(out),
                "--allocation-seconds", "3", "--plan-seconds", "1", "--rest-days", "2")
    assert done.returncode in (0, 3), done.stderr
    allocation = json.loads((out / "allocation.json").read_text())
    assert allocation["summary"]["cases"] == 240
    with (out / "allocation.csv").open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == 240  # every case: allocated or with its reason
    assert _check_region_plans(out) == 4
    for region in demo.DISTRICTS:
        book = load_workbook(out / "plans" / f"{region}.xlsx")
        assert book.sheetnames[0] == "Summary" and len(book.sheetnames) == 1 + 3
        # The cases' addresses, not their coordinates, on the route sheets.
        cells = [str(c.value) for sheet in book.worksheets[1:] for row in sheet.iter_rows()
                 for c in row if c.value is not None]
        assert any(v.startswith("上海市") for v in cells)
        assert not any(v.startswith("31.") and ", 121." in v for v in cells)
        assert "L.map" in (out / "plans" / f"{region}.html").read_text()
    missed = any(json.loads(p.read_text())["status"] == "mandatory_missed"
                 for p in (out / "plans").glob("*[!t].json"))
    assert done.returncode == (3 if missed or allocation["status"] == "mandatory_missed" else 0)


def test_nightly_names_each_missed_mandatory_visit_with_why_and_exits_3(tmp_path):
    """A promise falls due on a customer still resting from yesterday's visit: exit 3, and the
    customer, the region and the reason in words are printed. Evening-only cases go to the
    collectors on the late shift, so that their visits can be planned."""
    cases, collectors = _city(tmp_path / "in")
    with cases.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[0].update(promise_to_pay="yes", last_visit="2026-11-30", visit_window="")
    with cases.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    done = _run("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out", str(out),
                "--allocation-seconds", "2", "--plan-seconds", "1", "--rest-days", "2")
    assert done.returncode == 3, done.stderr
    assert (f"mandatory missed: {rows[0]['id']} ({rows[0]['region']}): resting after a recent "
            "visit") in done.stderr
    with collectors.open(encoding="utf-8") as f:
        late = {k["id"] for k in csv.DictReader(f) if k["shift_end"] == "21:00"}
    owner = {a["case_id"]: a["collector_id"]
             for a in json.loads((out / "allocation.json").read_text())["allocations"]}
    evening = [r["id"] for r in rows if r["visit_window"] == "18:00-21:00" and r["id"] in owner]
    assert evening and all(owner[case] in late for case in evening)


def test_a_nightly_run_killed_midway_resumes_without_redoing_finished_regions(tmp_path):
    """SIGKILL after the first region; the rerun skips the allocations and that region."""
    cases, collectors = _city(tmp_path / "in", cases=400)
    out = tmp_path / "out"
    args = [FIELDPLAN, "nightly", str(cases), str(collectors), "--date", "2026-12-01",
            "--out", str(out), "--allocation-seconds", "2", "--plan-seconds", "3", "--quiet"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state = out / "state.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if state.exists() and any(d.startswith("region:")
                                  for d in json.loads(state.read_text())["done"]):
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = [d for d in json.loads(state.read_text())["done"] if d.startswith("region:")]
    assert 1 <= len(done_before) < 4, "the run was not interrupted midway"
    first = done_before[0].split(":", 1)[1]
    stamp = (out / "plans" / f"{first}.json").stat().st_mtime_ns
    allocations = {p: p.stat().st_mtime_ns for p in (out / "allocations").glob("*.json")}
    assert len(allocations) == 4  # a group per district: none shares collectors

    again = _run(*args[1:-1])
    assert again.returncode in (0, 3), again.stderr
    assert "(resumed)" in again.stderr and f"{first}:" in again.stderr
    assert "(done before)" in again.stderr
    assert (out / "plans" / f"{first}.json").stat().st_mtime_ns == stamp
    assert {p: p.stat().st_mtime_ns for p in allocations} == allocations
    assert _check_region_plans(out) == 4
    assert not list(out.glob("**/*.partial"))


def test_excel_tables_with_chinese_headers_allocate_like_csv(tmp_path):
    """The same rows as .csv with English headers and as .xlsx with Chinese headers."""
    cases, collectors = _city(tmp_path / "in", cases=60, per_district=2)
    chinese = {english: chinese for chinese, english in reversed(list(ALIASES.items()))}
    xlsx = {}
    for path in (cases, collectors):
        with path.open(encoding="utf-8") as f:
            rows = list(csv.reader(f))
        book = Workbook()
        sheet = book.active
        sheet.append([chinese.get(h, h) for h in rows[0]])
        for row in rows[1:]:
            sheet.append([_number(v) for v in row])
        xlsx[path.stem] = tmp_path / f"{path.stem}.xlsx"
        book.save(xlsx[path.stem])
    assert "客户编号" in [c.value for c in load_workbook(xlsx["cases"]).active[1]]
    from_csv = _run("assign", "--cases", str(cases), "--collectors", str(collectors),
                    "-o", str(tmp_path / "a.json"), "--time-limit", "5")
    from_xlsx = _run("assign", "--cases", str(xlsx["cases"]), "--collectors",
                     str(xlsx["collectors"]), "-o", str(tmp_path / "b.json"), "--time-limit", "5")
    assert from_csv.returncode in (0, 3) and from_xlsx.returncode == from_csv.returncode, (
        from_xlsx.stderr)
    a = json.loads((tmp_path / "a.json").read_text())
    b = json.loads((tmp_path / "b.json").read_text())
    assert a["allocations"] == b["allocations"] and a["unallocated"] == b["unallocated"]


def test_a_bad_row_is_reported_with_its_file_row_and_column(tmp_path):
    """Nothing is written; every bad cell is named."""
    cases, collectors = _city(tmp_path / "in", cases=20, per_district=1)
    rows = list(csv.reader(cases.open(encoding="utf-8")))
    header = rows[0]
    rows[3][header.index("lat")] = "north"
    rows[5][header.index("visit_window")] = "evening"
    with cases.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / "out"
    done = _run("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out", str(out))
    assert done.returncode == 2
    assert "cases.csv:4:lat" in done.stderr and "cases.csv:6:visit_window" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_strict_turns_warnings_into_failure(tmp_path):
    """A skill that no collector holds is a warning; with --strict it stops the run."""
    cases, collectors = _city_with_an_unheld_skill(tmp_path)
    args = ("assign", "--cases", str(cases), "--collectors", str(collectors), "-o",
            str(tmp_path / "a.json"), "--time-limit", "2")
    lenient = _run(*args)
    assert lenient.returncode in (0, 3) and "cantonese" in lenient.stderr
    strict = _run(*args, "--strict")
    assert strict.returncode == 2 and "cantonese" in strict.stderr


def test_plan_writes_json_csv_excel_and_map_in_one_run(tmp_path):
    """-o by suffix; an unknown suffix is bad input."""
    outputs = [tmp_path / n for n in ("plan.json", "stops.csv", "routes.xlsx", "map.html")]
    done = _run("plan", "examples/plan_request.json", "--time-limit", "2",
                *[a for p in outputs for a in ("-o", str(p))])
    assert done.returncode == 0, done.stderr
    plan = json.loads(outputs[0].read_text())
    with outputs[1].open(encoding="utf-8-sig") as f:
        visits = [r for r in csv.DictReader(f) if r["type"] == "visit"]
    assert len(visits) == plan["summary"]["visits"]
    book = load_workbook(outputs[2])
    assert len(book.sheetnames) == 1 + len(plan["routes"])
    assert _run("plan", "examples/plan_request.json", "-o", str(tmp_path / "x.pdf")
                ).returncode == 2


def test_json_logs_are_one_json_object_per_line(tmp_path):
    """--json-logs for cron: every line on standard error is a JSON event."""
    cases, collectors = _city(tmp_path / "in", cases=40, per_district=1)
    done = _run("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out",
                str(tmp_path / "out"), "--allocation-seconds", "1", "--plan-seconds", "1",
                "--json-logs", "--quiet")
    assert done.returncode in (0, 3), done.stderr
    events = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    kinds = [e["event"] for e in events]
    assert kinds[:2] == ["allocation_start", "plans_start"] and kinds[-1] == "done"
    assert kinds.count("allocation") == 4 and kinds.count("region") == 4
    assert kinds.index("allocation") < kinds.index("region")


def _number(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text or None


def test_plan_from_tables_and_assign_to_every_format(tmp_path):
    """A day from the sample workbooks; an allocation to JSON, CSV and Excel with every case."""
    done = _run("plan", "--customers", "examples/cases.xlsx", "--collectors",
                "examples/collectors.xlsx", "--date", "2026-12-01", "--time-limit", "2",
                "-o", str(tmp_path / "day.json"))
    assert done.returncode in (0, 3), done.stderr
    day = json.loads((tmp_path / "day.json").read_text())
    assert day["summary"]["visits"] > 0
    outputs = [tmp_path / n for n in ("a.json", "a.csv", "a.xlsx")]
    done = _run("assign", "--cases", "examples/cases.xlsx", "--collectors",
                "examples/collectors.xlsx", "--time-limit", "2",
                *[a for p in outputs for a in ("-o", str(p))])
    assert done.returncode in (0, 3), done.stderr
    allocation = json.loads(outputs[0].read_text())
    with outputs[1].open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == allocation["summary"]["cases"]
    book = load_workbook(outputs[2])
    assert book.sheetnames == ["Collectors", "Cases"]
    assert book["Cases"].max_row == 1 + allocation["summary"]["cases"]


def test_an_output_that_cannot_be_written_is_refused_before_solving(tmp_path):
    """Every output is checked before any work: a missing folder is bad input (exit 2), the
    reason is printed and nothing is written."""
    done = _run("plan", "examples/plan_request_matrix.json", "-o", str(tmp_path / "plan.json"),
                "-o", str(tmp_path / "missing-folder" / "plan.csv"))
    assert done.returncode == 2
    assert "missing-folder does not exist" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_nightly_strict_stops_on_warnings_before_writing_anything(tmp_path):
    """A skill nobody holds: nightly --strict exits 2 and writes nothing."""
    cases, collectors = _city_with_an_unheld_skill(tmp_path)
    out = tmp_path / "out"
    done = _run("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out", str(out),
                "--strict")
    assert done.returncode == 2 and "cantonese" in done.stderr and not out.exists()


def _city_with_an_unheld_skill(tmp_path: Path) -> tuple[Path, Path]:
    """A small city whose first case needs Cantonese, which no collector speaks."""
    cases, collectors = _city(tmp_path / "in", cases=20, per_district=1)
    rows = list(csv.DictReader(cases.open(encoding="utf-8")))
    rows[0]["required_skills"] = "cantonese"
    with cases.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return cases, collectors


def test_the_days_outcomes_shape_tomorrows_plans_through_the_case_file(tmp_path):
    """Night 1 enters the cases in the case file; the day's outcomes (Chinese headers) are
    imported; night 2 holds out the cases that paid or complained, with true reasons."""
    import os

    cases, collectors = _city(tmp_path / "in", cases=120, per_district=2)
    env_db = f"sqlite:///{tmp_path}/case_file.db"
    os.environ["FIELDPLAN_DATABASE_URL"] = env_db
    try:
        first = _run("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out",
                     str(tmp_path / "n1"), "--allocation-seconds", "2", "--plan-seconds", "1",
                     "--case-file")
        assert first.returncode in (0, 3), first.stderr
        visited = [(r["collector_id"], s["customer_id"], s["service_start"])
                   for p in sorted((tmp_path / "n1" / "plans").glob("*[!t].json"))
                   for r in json.loads(p.read_text())["routes"]
                   for s in r["steps"] if s["type"] == "visit"]
        assert len(visited) >= 4
        outcomes = tmp_path / "拜访结果.csv"
        names = ["已还款", "投诉", "承诺还款", "未见到本人"]
        with outcomes.open("w", encoding="utf-8", newline="") as f:
            rows = csv.writer(f)
            rows.writerow(["拜访编号", "客户编号", "催收员编号", "拜访时间", "拜访结果", "金额",
                           "承诺还款日期"])
            for k, (who, customer, start) in enumerate(visited[:4]):
                rows.writerow([f"d1-{k}", customer, who, start, names[k], 100 if k in (0, 2)
                               else "", "2026-12-05" if k == 2 else ""])
        imported = _run("outcomes", "import", str(outcomes))
        assert imported.returncode == 0, imported.stderr
        again = _run("outcomes", "import", str(outcomes))
        assert "0 outcomes recorded, 4 already there" in again.stderr
        second = _run("nightly", str(cases), str(collectors), "--date", "2026-12-02", "--out",
                      str(tmp_path / "n2"), "--allocation-seconds", "2", "--plan-seconds", "1",
                      "--case-file")
        assert second.returncode in (0, 3), second.stderr
        _check_region_plans(tmp_path / "n2")  # holds recomputed by the independent checker
        reasons = {u["customer_id"]: u["reason"]
                   for p in (tmp_path / "n2" / "plans").glob("*[!t].json")
                   for u in json.loads(p.read_text())["unassigned"]}
        assert reasons.get(visited[0][1]) == "case_closed"
        assert reasons.get(visited[1][1]) == "on_hold_after_complaint"
        assert reasons.get(visited[2][1]) == "promise_pending"
        bad = tmp_path / "bad.csv"
        bad.write_text("拜访编号,客户编号,催收员编号,拜访时间,拜访结果\n"
                       "x1,nobody,nobody,2026-12-01 10:00,拒绝\n", encoding="utf-8")
        refused = _run("outcomes", "import", str(bad))
        assert refused.returncode == 2 and "no case 'nobody'" in refused.stderr
    finally:
        del os.environ["FIELDPLAN_DATABASE_URL"]


def _drop_rows(table: Path, keep) -> None:
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(row for row in rows if keep(row))


def test_an_unfinished_night_is_not_resumed_on_other_inputs(tmp_path):
    """Inputs changed between a crash and the rerun: exit 2 naming the table, nothing touched;
    --fresh starts over; a finished night's folder simply takes the next night."""
    cases, collectors = _city(tmp_path / "in", cases=80, per_district=1)
    out = tmp_path / "out"
    args = ("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out", str(out),
            "--allocation-seconds", "1", "--plan-seconds", "1", "--quiet")
    assert _run(*args).returncode in (0, 3)
    state = json.loads((out / "state.json").read_text())
    del state["complete"]  # as if the run had died before its last step
    state["done"].remove("allocation")
    (out / "state.json").write_text(json.dumps(state))
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    _drop_rows(cases, lambda row: row["id"] != "K000001")

    refused = _run(*args)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    message = " ".join(refused.stderr.split())
    assert "cases table" in message and "--fresh" in message
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamps

    fresh = _run(*args, "--fresh")
    assert fresh.returncode in (0, 3), fresh.stderr
    assert json.loads((out / "allocation.json").read_text())["summary"]["cases"] == 79
    _drop_rows(cases, lambda row: row["id"] != "K000002")
    next_night = _run(*args)
    assert next_night.returncode in (0, 3), next_night.stderr
    assert json.loads((out / "allocation.json").read_text())["summary"]["cases"] == 78


def test_the_cases_of_a_region_no_collector_works_are_listed_with_why(tmp_path):
    cases, collectors = _city(tmp_path / "in", cases=80, per_district=1)
    _drop_rows(collectors, lambda row: row["regions"] != "xuhui")
    rows = list(csv.DictReader(cases.open(encoding="utf-8")))
    orphans = {row["id"] for row in rows if row["region"] == "xuhui"}
    with cases.open("w", newline="", encoding="utf-8") as f:  # their collector has left
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "current_collector": ""} if row["id"] in orphans else row
                         for row in rows)
    out = tmp_path / "out"
    args = ("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out", str(out),
            "--allocation-seconds", "1", "--plan-seconds", "1")
    done = _run(*args)
    assert done.returncode in (0, 3), done.stderr
    assert "region xuhui" in done.stderr and "no collector" in done.stderr
    allocation = json.loads((out / "allocation.json").read_text())
    assert allocation["summary"]["cases"] == 80
    reasons = {u["case_id"]: u["reason"] for u in allocation["unallocated"]}
    assert orphans and all(reasons[c] == "no_collector_in_region" for c in orphans)
    assert _check_region_plans(out) == 3

    strict = _run(*args, "--strict", "--out", str(tmp_path / "strict"))
    assert strict.returncode == 2 and "region xuhui" in strict.stderr
    assert not (tmp_path / "strict").exists()


def test_a_deterministic_night_cut_by_its_time_limit_says_so(tmp_path):
    """--deterministic stops searches on work done; a time limit too short to do the work is
    named per region (the plan may then differ on another machine)."""
    cases, collectors = _city(tmp_path / "in", cases=120, per_district=2)
    done = _run("nightly", str(cases), str(collectors), "--date", "2026-12-01", "--out",
                str(tmp_path / "out"), "--deterministic", "--plan-seconds", "0.01")
    assert done.returncode in (0, 3), done.stderr
    message = " ".join(done.stderr.split())
    assert "time limit stopped the search" in message and "--plan-seconds" in message
