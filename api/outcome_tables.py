"""Visit outcomes from JSON, CSV or Excel, with errors reported by file, row and column.

Columns: visit_id, customer_id, collector_id, visited_at (ISO 8601; without a UTC offset it is
read in the given time zone), outcome, and optionally amount (paid, or promised), promised_for
(a date) and notes_code. Chinese headers and outcome names are accepted (``HEADERS``,
``OUTCOMES``). A file is taken whole or not at all: every bad cell is reported and nothing is
kept.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from api.schemas.follow_up import OutcomeIn
from api.tables import TableError, cells, table_rows

HEADERS = {
    "visit_id": "id", "拜访编号": "id", "customer_id": "customer", "客户编号": "customer",
    "案件编号": "customer", "collector_id": "collector", "催收员编号": "collector",
    "拜访时间": "visited_at", "拜访结果": "outcome", "金额": "amount", "还款金额": "amount",
    "承诺金额": "amount", "承诺还款日期": "promised_for", "备注代码": "notes_code",
}
COLUMNS = {"id": "visit_id", "customer": "customer_id", "collector": "collector_id"}
OUTCOMES = {
    "已还款": "paid_full", "全额还款": "paid_full", "结清": "paid_full",
    "部分还款": "paid_partial", "承诺还款": "promise_to_pay",
    "未见到本人": "not_home", "不在家": "not_home", "拒绝": "refused", "拒绝还款": "refused",
    "联系到第三方": "third_party_contact", "第三方": "third_party_contact",
    "地址错误": "wrong_address", "已搬迁": "moved", "搬走": "moved", "投诉": "complaint",
    "争议": "dispute", "异议": "dispute",
}


OUTCOME_LIST = TypeAdapter(list[OutcomeIn])


def read_outcomes(path: Path, zone: ZoneInfo, now: datetime) -> list[OutcomeIn]:
    """The outcomes of a .json (a list, or ``{"outcomes": [...]}``), .csv or .xlsx file; raises
    ``TableError`` naming every bad row and column."""
    if path.suffix.lower() == ".json":
        return _from_json(path, now)
    problems: list[dict[str, str]] = []
    found: list[tuple[int, OutcomeIn]] = []
    for number, raw in table_rows(path)[1]:
        row = _row(raw, zone)
        try:
            found.append((number, OutcomeIn.model_validate(row)))
        except ValidationError as exc:
            for item in exc.errors(include_url=False):
                column = str(item["loc"][0]) if item["loc"] else "(row)"
                column = COLUMNS.get(column, column)
                problems.append({"field": f"{path.name}:{number}:{column}",
                                 "reason": item["msg"].removeprefix("Value error, ")})
    problems += batch_problems([(f"{path.name}:{n}", o) for n, o in found], now)
    if problems:
        raise TableError(problems)
    return unique(o for _, o in found)


def _from_json(path: Path, now: datetime) -> list[OutcomeIn]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TableError([{"field": str(path), "reason": f"not readable JSON: {exc}"}]) from None
    items = data.get("outcomes") if isinstance(data, dict) else data
    try:
        outcomes = OUTCOME_LIST.validate_python(items)
    except ValidationError as exc:
        raise TableError([{"field": f"{path.name}:" + ".".join(map(str, item["loc"])),
                           "reason": item["msg"].removeprefix("Value error, ")}
                          for item in exc.errors(include_url=False)]) from None
    problems = batch_problems([(f"{path.name}:[{k}]", o) for k, o in enumerate(outcomes)], now)
    if problems:
        raise TableError(problems)
    return unique(outcomes)


def batch_problems(outcomes: list[tuple[str, OutcomeIn]], now: datetime) -> list[dict[str, str]]:
    """What is wrong with a batch beyond each row: visits in the future, and one visit id with
    two different contents."""
    problems, first = [], {}
    for where, outcome in outcomes:
        if outcome.visited_at > now:
            problems.append({"field": f"{where}:visited_at",
                             "reason": f"{outcome.visited_at.isoformat()} is in the future"})
        seen = first.setdefault(outcome.id, (where, outcome))
        if seen[1] != outcome:
            problems.append({"field": f"{where}:visit_id", "reason": (
                f"visit {outcome.id!r} is also at {seen[0]} with other content")})
    return problems


def unique(outcomes) -> list[OutcomeIn]:
    """The outcomes with repeats of the same visit (same content) dropped."""
    seen: dict[str, OutcomeIn] = {}
    for outcome in outcomes:
        seen.setdefault(outcome.id, outcome)
    return list(seen.values())


def _row(raw: dict, zone: ZoneInfo) -> dict:
    row, given = cells(raw, HEADERS)
    for key, value in given:
        if key == "outcome":
            value = OUTCOMES.get(value, value)
        elif key == "visited_at":
            value = _moment(value, zone)
        row[key] = value
    return row


def _moment(text: str, zone: ZoneInfo) -> str:
    """An ISO moment; one without a UTC offset is read in ``zone``."""
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return text  # the schema says what is wrong with it
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()
