"""Cases and collectors from CSV files, with errors reported by file, row and column.

Columns of ``cases.csv``: id, lat, lon, balance, days_past_due or bucket, expected_value or
probability_to_pay, and optionally workload_hours, required_skills, current_collector, region,
mandatory, excluded_collectors. Columns of ``collectors.csv``: id, lat, lon, and optionally
capacity_cases, capacity_hours, skills, regions, current_cases, current_hours. Lists are separated
by ``;``; an empty cell means "not given".
"""

from __future__ import annotations

import csv
from pathlib import Path

from pydantic import BaseModel, ValidationError

from api.schemas.allocation import CaseIn, CollectorIn

LIST_COLUMNS = {"required_skills", "excluded_collectors", "skills", "regions"}
POINT = {"cases": "location", "collectors": "base"}


class TableError(ValueError):
    """Bad rows of a CSV file: each problem as {"field": "file:row:column", "reason": ...}."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['reason']}" for p in problems))
        self.problems = problems


def read_table(path: Path, kind: str) -> list[dict]:
    """Rows of ``cases`` or ``collectors`` as request dicts; every bad cell is reported."""
    schema: type[BaseModel] = CaseIn if kind == "cases" else CollectorIn
    problems, rows = [], []
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            for number, raw in enumerate(reader, start=2):  # row 1 is the header
                row = _row(raw, kind)
                try:
                    schema.model_validate(row)
                except ValidationError as exc:
                    for item in exc.errors(include_url=False):
                        column = _column(item["loc"], kind)
                        problems.append({"field": f"{path.name}:{number}:{column}",
                                         "reason": item["msg"].removeprefix("Value error, ")})
                rows.append(row)
    except FileNotFoundError:
        raise TableError([{"field": str(path), "reason": "no such file"}]) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TableError([{"field": str(path), "reason": f"not a readable CSV file: {exc}"}]) from None
    if problems:
        raise TableError(problems)
    return rows


def _row(raw: dict, kind: str) -> dict:
    row: dict = {}
    extra = raw.pop(None, None)
    if extra:
        row["_extra_cells"] = extra  # refused by the schema as an unknown field
    for key, value in raw.items():
        key = (key or "").strip()
        value = (value or "").strip()
        if not value:
            continue
        if key in LIST_COLUMNS:
            row[key] = [v.strip() for v in value.split(";") if v.strip()]
        elif key in ("lat", "lon"):
            row.setdefault(POINT[kind], {})[key] = value
        else:
            row[key] = value
    return row


def _column(loc: tuple, kind: str) -> str:
    if len(loc) >= 2 and loc[0] == POINT[kind]:
        return str(loc[1])
    return str(loc[0]) if loc else "(row)"
