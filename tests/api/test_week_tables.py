"""A week planned from the cases and collectors tables (``fieldplan plan-week --customers
--collectors --from``): days off, promises due on a day, the same visit hours every day; and
the same columns in a day plan and a night of those tables."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.day_tables import DayTerms, day_request, on_duty
from api.tables import TableError, read_table
from api.week_tables import week_request
from verify.week import WeekChecker

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MONDAY = date(2026, 12, 7)
DAYS = [MONDAY + timedelta(k) for k in range(3)]
COLLECTORS = """催收员编号,纬度,经度,班次开始,班次结束,每日上门上限,休息日
A,31.2300,121.4700,09:00,18:00,3,周二
B,31.2300,121.4800,12:00,21:00,3,2026-12-09;Sat
C,31.2300,121.4900,09:00,18:00,3,Mon;Tue;Wed
"""
CASES = """客户编号,纬度,经度,欠款金额,逾期天数,预期回款,上门时段,约定日期,承诺还款
K1,31.2310,121.4710,5000,95,500,,2026-12-08,
K2,31.2320,121.4720,4000,95,400,18:30-20:30,,
K3,31.2330,121.4730,3000,95,300,,,是
K4,31.2340,121.4740,2000,95,200,,,
K5,31.2350,121.4750,1000,95,100,10:00-11:00,,
"""


def tables(tmp: Path) -> tuple[Path, Path]:
    (tmp / "cases.csv").write_text(CASES, encoding="utf-8")
    (tmp / "collectors.csv").write_text(COLLECTORS, encoding="utf-8")
    return tmp / "cases.csv", tmp / "collectors.csv"


def request(tmp: Path) -> dict:
    cases, collectors = tables(tmp)
    week = week_request(read_table(collectors, "collectors"), read_table(cases, "cases"),
                        DayTerms(day=MONDAY, time_limit=2), DAYS)
    return week.model_dump(mode="json", exclude_unset=True)


def test_days_off_due_dates_and_daily_windows_become_the_week(tmp_path):
    body = request(tmp_path)
    shifts = {c["id"]: [s["date"] for s in c["shifts"]] for c in body["collectors"]}
    # A is off on Tuesdays, B on the 9th, C all three days (left out).
    assert shifts == {"A": ["2026-12-07", "2026-12-09"], "B": ["2026-12-07", "2026-12-08"]}
    assert [s["shift"]["start"] for c in body["collectors"] if c["id"] == "B"
            for s in c["shifts"]] == ["2026-12-07T12:00:00+08:00", "2026-12-08T12:00:00+08:00"]
    customers = {c["id"]: c for c in body["customers"]}
    assert customers["K1"]["due_on"] == "2026-12-08"
    assert customers["K3"]["due_on"] == "2026-12-07"  # a promise without a date: the first day
    assert customers["K4"].get("due_on") is None and not customers["K4"].get("time_windows")
    assert [w["start"] for w in customers["K2"]["time_windows"]] == [
        f"{d}T18:30:00+08:00" for d in DAYS]


def test_a_week_from_tables_is_planned_and_holds(tmp_path, monkeypatch):
    """The command's week plan, checked against the request the tables make by the
    independent week checker (shifts of each day, days off, due days, windows)."""
    body = request(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [
        "plan-week", "--customers", "cases.csv", "--collectors", "collectors.csv",
        "--from", str(MONDAY), "--days", "3", "--time-limit", "2", "-q",
        "-o", "week.json", "-o", "week.xlsx"])
    assert result.exit_code == 0, result.stderr
    plan = json.loads((tmp_path / "week.json").read_text())
    assert WeekChecker(body).check(plan) == []
    visits = {s["customer_id"]: d["date"] for d in plan["days"] for r in d["plan"]["routes"]
              for s in r["steps"] if s["type"] == "visit"}
    assert visits["K1"] == "2026-12-08" and visits["K3"] == "2026-12-07"
    assert set(visits) == {"K1", "K2", "K3", "K4", "K5"}  # room for all: 12 visits
    assert (tmp_path / "week.xlsx").exists()


def test_a_day_plan_from_the_same_tables_honours_the_days_off_and_due_dates(tmp_path):
    """On Tuesday 8 December A (周二) and C are off; K1's promise falls due (约定日期) and K3
    has one due (承诺还款, as in any day plan): both mandatory."""
    cases, collectors = tables(tmp_path)
    day = day_request(read_table(collectors, "collectors"), read_table(cases, "cases"), None,
                      DayTerms(day=DAYS[1]))
    assert [c.id for c in day.collectors] == ["B"]
    assert {c.id for c in day.customers if c.mandatory} == {"K1", "K3"}


def test_a_night_leaves_collectors_off_that_day_out(tmp_path, monkeypatch):
    """The sample night with Shanghai's one collector off on its day (a Tuesday): the
    others are allocated and planned as before; Shanghai's cases are not allocated, with the
    reason that nobody works their region, and a promise among them makes exit 3."""
    rows = (EXAMPLES / "collectors.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "collectors.csv").write_text("\n".join(
        [rows[0] + ",days_off", rows[1] + ",Tue", *(r + "," for r in rows[2:])]) + "\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [
        "nightly", str(EXAMPLES / "cases.csv"), "collectors.csv", "--date", "2026-12-01",
        "--out", "night", "--allocation-seconds", "1", "--plan-seconds", "1", "-q"])
    assert result.exit_code == 3, result.stderr
    allocation = json.loads((tmp_path / "night" / "allocation.json").read_text())
    assert "C00001" not in {a["collector_id"] for a in allocation["allocations"]}
    shanghai = {u["case_id"]: u["reason"] for u in allocation["unallocated"]}
    assert shanghai and set(shanghai.values()) == {"no_collector_in_region"}
    assert not any(p.name.startswith("shanghai") for p in (tmp_path / "night" / "plans").iterdir())


def test_nobody_at_work_is_said():
    with pytest.raises(TableError, match="every collector is off on 2026-12-08"):
        on_duty([{"id": "A", "day": {"days_off": "周二"}}], [], DAYS[1])
