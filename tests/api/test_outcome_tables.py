"""Visit outcomes from CSV, Excel and JSON: Chinese headers and outcome names, and every bad
row named by file, row and column, with nothing half-read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from api.outcome_tables import read_outcomes
from api.tables import TableError
from followup import Outcome

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


def write_csv(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_chinese_headers_and_outcomes_are_read(tmp_path):
    path = write_csv(tmp_path / "拜访结果.csv", (
        "拜访编号,客户编号,催收员编号,拜访时间,拜访结果,金额,承诺还款日期\n"
        "v1,K1,A,2026-12-01 10:30,承诺还款,500,2026-12-05\n"
        "v2,K2,A,2026-12-01T11:00:00+08:00,未见到本人,,\n"
        "v3,K3,B,2026-12-01 15:00,部分还款,120.5,\n"
        "v3,K3,B,2026-12-01 15:00,部分还款,120.5,\n"))  # the same visit twice: kept once
    outcomes = read_outcomes(path, SHANGHAI, NOW)
    assert [o.id for o in outcomes] == ["v1", "v2", "v3"]
    assert outcomes[0].outcome is Outcome.PROMISE_TO_PAY
    assert outcomes[0].promised_for == date(2026, 12, 5) and outcomes[0].amount == 500
    assert outcomes[0].visited_at == datetime(2026, 12, 1, 10, 30, tzinfo=SHANGHAI)
    assert outcomes[1].outcome is Outcome.NOT_HOME and outcomes[2].amount == 120.5


def test_an_excel_sheet_reads_like_the_csv(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["visit_id", "customer_id", "collector_id", "visited_at", "outcome"])
    sheet.append(["v9", "K9", "A", datetime(2026, 12, 1, 9, 15), "投诉"])
    book.save(tmp_path / "outcomes.xlsx")
    [outcome] = read_outcomes(tmp_path / "outcomes.xlsx", SHANGHAI, NOW)
    assert outcome.outcome is Outcome.COMPLAINT
    assert outcome.visited_at == datetime(2026, 12, 1, 9, 15, tzinfo=SHANGHAI)


def test_json_outcomes(tmp_path):
    path = tmp_path / "outcomes.json"
    path.write_text(json.dumps({"outcomes": [
        {"id": "v1", "customer": "K1", "collector": "A",
         "visited_at": "2026-12-01T10:00:00+08:00", "outcome": "paid_full", "amount": 800}]}))
    [outcome] = read_outcomes(path, SHANGHAI, NOW)
    assert outcome.outcome is Outcome.PAID_FULL


def test_every_bad_row_is_named_and_nothing_is_kept(tmp_path):
    path = write_csv(tmp_path / "bad.csv", (
        "visit_id,customer_id,collector_id,visited_at,outcome,amount,promised_for\n"
        "v1,K1,A,2026-12-01 10:30,teleported,,\n"
        "v2,K2,A,2026-12-01 10:30,promise_to_pay,100,2026-11-30\n"
        "v3,K3,A,2026-12-09 10:30,refused,,\n"
        "v4,K4,A,2026-12-01 10:30,refused,,\n"
        "v4,K4,A,2026-12-01 11:30,refused,,\n"
        "v5,K5,A,yesterday,refused,,\n"
        "v6,K6,A,2026-12-01 10:30,paid_partial,,\n"))
    with pytest.raises(TableError) as info:
        read_outcomes(path, SHANGHAI, NOW)
    fields = {p["field"]: p["reason"] for p in info.value.problems}
    assert "outcome" in fields["bad.csv:2:outcome"] or "Input should be" in fields[
        "bad.csv:2:outcome"]
    assert "before the visit" in fields["bad.csv:3:promised_for"]
    assert "in the future" in fields["bad.csv:4:visited_at"]
    assert "other content" in fields["bad.csv:6:visit_id"]
    assert "bad.csv:7:visited_at" in fields
    assert "amount" in fields["bad.csv:8:amount"]
