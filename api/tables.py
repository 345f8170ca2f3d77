"""Cases and collectors from CSV or Excel files, with errors reported by file, row and column.

Columns of a cases table: id, lat, lon, balance, days_past_due or bucket, expected_value or
probability_to_pay, and optionally workload_hours, required_skills, current_collector, region,
mandatory, excluded_collectors; for day plans (``fieldplan nightly``) also service_minutes,
visit_window (e.g. ``18:00-21:00``), promise_to_pay (a follow-up due that day: the visit is
mandatory), last_visit (a date), address (the text shown on route sheets and the map) and
due_on (the day a promise falls due or an appointment is made: the visit's one day in a week,
mandatory in a day plan of that day).

Columns of a collectors table: id, lat, lon, and optionally capacity_cases, capacity_hours,
skills, regions, current_cases, current_hours; for day plans also shift_start, shift_end
(``HH:MM``), lunch_start, lunch_end, lunch_minutes, max_visits, crew_size and days_off
(dates or weekdays: ``2026-12-09;Sat;周日``; no plan gives the collector work on them).

Lists are separated by ``;``; an empty cell means "not given". Chinese headers are accepted
(see ``ALIASES``). Excel files are read from their first sheet; row 1 holds the headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ValidationError

from api.schemas.allocation import CaseIn, CollectorIn
from api.schemas.common import Unlocated
from roads.addresses import Match

LIST_COLUMNS = {"required_skills", "excluded_collectors", "skills", "regions"}
POINT = {"cases": "location", "collectors": "base"}
DAY_COLUMNS = {
    "cases": {"service_minutes", "visit_window", "promise_to_pay", "last_visit", "address",
              "due_on"},
    "collectors": {"shift_start", "shift_end", "lunch_start", "lunch_end", "lunch_minutes",
                   "max_visits", "crew_size", "days_off"},
}
ALIASES = {
    "客户编号": "id", "案件编号": "id", "催收员编号": "id", "编号": "id",
    "纬度": "lat", "经度": "lon",
    "欠款金额": "balance", "逾期金额": "balance", "余额": "balance",
    "逾期天数": "days_past_due", "账龄": "bucket",
    "预期回款": "expected_value", "还款概率": "probability_to_pay",
    "工作量小时": "workload_hours", "所需技能": "required_skills",
    "当前催收员": "current_collector", "区域": "region", "必须分配": "mandatory",
    "回避催收员": "excluded_collectors",
    "案件容量": "capacity_cases", "工时容量": "capacity_hours", "技能": "skills",
    "负责区域": "regions", "现有案件": "current_cases", "现有工时": "current_hours",
    "上门时长分钟": "service_minutes", "上门时段": "visit_window", "承诺还款": "promise_to_pay",
    "上次上门": "last_visit", "客户地址": "address", "地址": "address",
    "班次开始": "shift_start", "班次结束": "shift_end", "午休开始": "lunch_start",
    "午休结束": "lunch_end", "午休分钟": "lunch_minutes", "每日上门上限": "max_visits",
    "组员人数": "crew_size", "约定日期": "due_on", "承诺还款日": "due_on", "休息日": "days_off",
}
# Weekdays as a days_off cell may name them (Monday is 0, as date.weekday() counts).
WEEKDAYS = {name: k for k, names in enumerate(zip(
    ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"), strict=True))
    for name in names}
# Columns kept for people, not read: what fieldplan geocode says of each row's match.
NOTES = {"geocode_match", "geocode_note"}
_VERDICTS = {"exact", "street", "service", "kept", "none"}
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"0", "false", "no", "n", "否"}


class TableError(ValueError):
    """Bad rows of a table: each problem as {"field": "file:row:column", "reason": ...}."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['reason']}" for p in problems))
        self.problems = problems

    def __reduce__(self):  # raised on a cluster's worker, re-raised here
        return type(self), (self.problems,)


def read_table(path: Path, kind: str, find: Callable[[str], Match] | None = None
               ) -> list[dict]:
    """Rows of ``cases`` or ``collectors`` as request dicts; every bad cell is reported. Day-plan
    columns, when present, are kept under the key ``"day"`` of each row. A wrong header is
    reported once, as ``file:1:column``; a table with no rows is refused.

    A case with an address and no coordinates is located by ``find`` (an address lookup, see
    ``api.locate``); one whose address is not found — now, or by ``fieldplan geocode`` before
    (``geocode_match`` none) — is kept with the reason under ``"unlocated"`` and no location
    (see :func:`located_rows`)."""
    schema: type[BaseModel] = CaseIn if kind == "cases" else CollectorIn
    header, numbered = table_rows(path)
    problems = _header_problems(path.name, header, kind, schema,
                                geocoded=find is not None or "geocode_match" in header)
    if problems:
        raise TableError(problems)
    if not numbered:
        raise TableError([{"field": f"{path.name}:2", "reason": "the table has no rows under "
                           "its header: there is nothing to plan (is it the right file?)"}])
    rows, first_row = [], {}
    for number, raw in numbered:
        verdict = (raw.get("geocode_match") or "").strip(), (raw.get("geocode_note") or "").strip()
        row, day = _row(raw, kind)
        if kind == "cases" and verdict[0] in _VERDICTS:
            day["geocode_match"], day["geocode_note"] = verdict[0], verdict[1][:500]
        if kind == "cases" and POINT[kind] not in row and day.get("address"):
            unlocated = _locate(row, day, find, verdict)
            if unlocated is None and find is None:
                problems.append({"field": f"{path.name}:{number}:lat", "reason": (
                    "no coordinates: geocode the address (--addresses or --geocoder, or "
                    "fieldplan geocode first)")})
                continue
            if unlocated is not None:
                row["unlocated"] = unlocated
        for column, reason in _day_problems(day):
            problems.append({"field": f"{path.name}:{number}:{column}", "reason": reason})
        try:
            schema.model_validate({k: v for k, v in row.items() if k != "unlocated"}
                                  | ({POINT[kind]: {"lat": 0, "lon": 0}} if "unlocated" in row
                                     else {}))
        except ValidationError as exc:
            for item in exc.errors(include_url=False):
                column = _column(item["loc"], kind)
                problems.append({"field": f"{path.name}:{number}:{column}",
                                 "reason": item["msg"].removeprefix("Value error, ")})
        key = row.get("id")
        if key in first_row:
            problems.append({"field": f"{path.name}:{number}:id", "reason":
                             f"duplicate id {key!r} (first in row {first_row[key]})"})
        elif key is not None:
            first_row[key] = number
        if day:
            row["day"] = day
        rows.append(row)
    if problems:
        raise TableError(problems)
    return rows


def _locate(row: dict, day: dict, find: Callable[[str], Match] | None,
            verdict: tuple[str, str]) -> str | None:
    """Give ``row`` the location of its address (and ``day`` how it was found); the reason it
    has none when the address was not found (by ``find``, or earlier as the ``verdict`` of
    fieldplan geocode); None when there is no way to tell."""
    if find is None:
        return (verdict[1] or "the address was not found") if verdict[0] == "none" else None
    found = find(day["address"])
    day["geocode_match"], day["geocode_note"] = found.quality, found.reason[:500]
    if found.lat is None:
        return found.reason or "the address was not found"
    row[POINT["cases"]] = {"lat": round(found.lat, 7), "lon": round(found.lon, 7)}
    return None


def located_rows(rows: list[dict]) -> tuple[list[dict], list[Unlocated]]:
    """Cases rows with a location, and those whose address was not found (mandatory when
    the case is, or has a promise to pay due: its visit would have been)."""
    return ([r for r in rows if "unlocated" not in r],
            [Unlocated(r["id"], bool(r.get("mandatory"))
                       or is_true(r.get("day", {}).get("promise_to_pay")), r["unlocated"])
             for r in rows if "unlocated" in r])


def _header_problems(name: str, header: list[str], kind: str, schema: type[BaseModel],
                     geocoded: bool = False) -> list[dict[str, str]]:
    """Unknown, repeated and missing columns of a header, each once. Coordinates may be
    missing from cases with addresses that are (or were) geocoded."""
    if not header:
        return [{"field": f"{name}:1", "reason": "the file is empty: give a header row and "
                                                  "one row per " + kind.removesuffix("s")}]
    known = ((set(schema.model_fields) - {POINT[kind]}) | {"lat", "lon"} | DAY_COLUMNS[kind]
             | NOTES)
    problems, seen = [], set()
    for column in header:
        if not column:
            continue
        canonical = ALIASES.get(column, column)
        if canonical not in known:
            problems.append({"field": f"{name}:1:{column}", "reason": "unknown column; known "
                             "columns: " + ", ".join(sorted(known))})
        elif canonical in seen:
            problems.append({"field": f"{name}:1:{column}", "reason": "the column is given twice"})
        seen.add(canonical)
    required = {f for f, info in schema.model_fields.items() if info.is_required()}
    required = (required - {POINT[kind]}) | {"lat", "lon"}
    if geocoded and "address" in seen:
        required -= {"lat", "lon"}
    for column in sorted(required - seen):
        hint = (" (the table has addresses: give --addresses or --geocoder, or fieldplan "
                "geocode adds coordinates)"
                if column in ("lat", "lon") and "address" in seen else "")
        problems.append({"field": f"{name}:1", "reason": f"the column {column} is missing"
                         + hint})
    return problems


def allocation_rows(rows: list[dict]) -> list[dict]:
    """The rows without their day-plan columns."""
    return [{k: v for k, v in row.items() if k != "day"} for row in rows]


def table_rows(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header (stripped) and the (row number, {header: text}) of a .csv (UTF-8, with or
    without a byte-order mark) or .xlsx file; rows with no filled cell are skipped."""
    if path.is_dir():
        raise TableError([{"field": str(path), "reason": "is a folder; give a .csv or .xlsx "
                                                         "file"}])
    if not path.exists():
        raise TableError([{"field": str(path), "reason": "no such file"}])
    if path.suffix.lower() == ".xlsx":
        return _excel_rows(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TableError([{"field": str(path), "reason": f"cannot be read: "
                                                         f"{exc.strerror or exc}"}]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError([{"field": str(path), "reason": not_utf8(raw)}]) from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = [(number, row) for number, row in enumerate(reader, start=2)  # row 1: header
                if any((v or "").strip() for k, v in row.items() if k is not None)
                or row.get(None)]
        header = [(h or "").strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise TableError([{"field": str(path), "reason": f"not a readable CSV file: {exc}"}]
                         ) from None
    return header, rows


def not_utf8(raw: bytes) -> str:
    """Why bytes that are not UTF-8 were refused, naming GBK when they read as GBK."""
    try:
        raw.decode("gbk")
    except UnicodeDecodeError:
        return "not UTF-8 text; save the file as UTF-8"
    return "the file is in GBK (or another Chinese encoding), not UTF-8; save the file as UTF-8"


def _excel_rows(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableError([{"field": str(path), "reason": f"not a readable .xlsx file: "
                                                         f"{type(exc).__name__}"}]) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    out = []
    for number, values in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        texts = [_cell(v) for v in values]
        raw: dict = dict(zip(header, texts[:len(header)], strict=False))
        extra = [t for t in texts[len(header):] if t]
        if extra:  # cells beyond the header, as csv.DictReader reports them
            raw[None] = extra
        out.append((number, raw))
    book.close()
    while header and not header[-1]:
        header.pop()
    return header, out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def cells(raw: dict, aliases: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
    """A raw row's filled cells as ``(column, text)`` under their canonical names (``aliases``
    maps the others), and the row begun with any cells beyond the header (which the schema
    refuses as an unknown field)."""
    row: dict = {}
    extra = raw.pop(None, None)
    if extra:
        row["_extra_cells"] = extra
    given = []
    for key, value in raw.items():
        key = (key or "").strip()
        value = (value or "").strip()
        if value:
            given.append((aliases.get(key, key), value))
    return row, given


def _row(raw: dict, kind: str) -> tuple[dict, dict]:
    row, given = cells(raw, ALIASES)
    day: dict = {}
    for key, value in given:
        if key in NOTES:
            continue
        if key in DAY_COLUMNS[kind]:
            day[key] = value
        elif key in LIST_COLUMNS:
            row[key] = [v.strip() for v in value.split(";") if v.strip()]
        elif key in ("lat", "lon"):
            row.setdefault(POINT[kind], {})[key] = value
        elif key == "mandatory" and value.lower() in _TRUE | _FALSE:
            row[key] = value.lower() in _TRUE
        else:
            row[key] = value
    return row, day


def _day_problems(day: dict) -> list[tuple[str, str]]:
    problems = []
    for column in ("shift_start", "shift_end", "lunch_start", "lunch_end"):
        if column in day and not _CLOCK.match(day[column]):
            problems.append((column, "give a time of day as HH:MM, e.g. 09:00"))
    if "visit_window" in day:
        parts = day["visit_window"].replace("–", "-").split("-")
        if len(parts) != 2 or not all(_CLOCK.match(p.strip()) for p in parts):
            problems.append(("visit_window", "give two times as HH:MM-HH:MM, e.g. 18:00-21:00"))
    for column in ("service_minutes", "lunch_minutes", "max_visits", "crew_size"):
        if column in day and not (day[column].isdigit() and int(day[column]) <= 10_000):
            problems.append((column, "give a whole number"))
    if "promise_to_pay" in day and day["promise_to_pay"].lower() not in _TRUE | _FALSE:
        problems.append(("promise_to_pay", "give yes or no"))
    for column in ("last_visit", "due_on"):
        if column in day:
            try:
                dt.date.fromisoformat(day[column])
            except ValueError:
                problems.append((column, "give a date as YYYY-MM-DD"))
    if "days_off" in day:
        try:
            days_off(day["days_off"])
        except ValueError as exc:
            problems.append(("days_off", str(exc)))
    if len(day.get("address", "")) > 500:
        problems.append(("address", "at most 500 characters"))
    return problems


def days_off(text: str) -> tuple[set[dt.date], set[int]]:
    """The dates and the weekdays (0 Monday .. 6 Sunday) of a days_off cell, separated by
    ``;``; ValueError naming what is neither."""
    dates, weekdays = set(), set()
    for part in (p.strip() for p in text.replace("；", ";").split(";")):
        if not part:
            continue
        if part.lower() in WEEKDAYS:
            weekdays.add(WEEKDAYS[part.lower()])
            continue
        try:
            dates.add(dt.date.fromisoformat(part))
        except ValueError:
            raise ValueError(f"{part!r} is neither a date (YYYY-MM-DD) nor a weekday (Mon, "
                             "Sat, 周日, ...); separate several with ;") from None
    return dates, weekdays


def is_true(text: str | None) -> bool:
    """A yes/no cell."""
    return bool(text) and text.lower() in _TRUE


def _column(loc: tuple, kind: str) -> str:
    if len(loc) >= 2 and loc[0] == POINT[kind]:
        return str(loc[1])
    return str(loc[0]) if loc else "(row)"
