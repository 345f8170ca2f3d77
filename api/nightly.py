"""The nightly job: allocate the portfolio, then plan tomorrow's visits of every collector,
region by region, writing every result into one folder.

Resumable: each finished step is recorded in ``state.json`` (written atomically, with a
fingerprint of the inputs); a rerun with the same inputs skips what is done, so a crash costs
only the region that was being planned."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from api import map_page, runs
from api.day_tables import DayTerms, day_request, out_of_shift
from api.outputs import (
    write_allocation_csv,
    write_allocation_workbook,
    write_route_sheets,
    write_stops_csv,
)
from api.schemas.allocation import AllocationRequest
from api.schemas.plan_out import missed
from api.tables import allocation_rows, read_table

ALL = "all"
# The tenant of the command line's case file (the service's --no-auth mode uses it too).
LOCAL_TENANT = "local"


@dataclass(frozen=True)
class NightlyOptions:
    """What the nightly job is asked to do."""

    day: date
    timezone: str = "Asia/Shanghai"
    policy: dict = field(default_factory=dict)  # allocation request keys: policy, options
    allocation_seconds: float = 20.0
    plan_seconds: float = 10.0
    legal_hours: str = "china"
    min_rest_days: int = 0
    tile_url: str = map_page.OSM_TILES
    # The case file (a database URL) whose visit histories shape the day plans, and a file of
    # the day's outcomes to fold into it first.
    case_file: str | None = None
    outcomes: Path | None = None

    @property
    def terms(self) -> DayTerms:
        """What every region's day plan shares."""
        return DayTerms(self.day, self.timezone, self.legal_hours, self.min_rest_days,
                        self.plan_seconds)


@dataclass
class RegionResult:
    """One region's day plan, as recorded in the state file."""

    collectors: int
    customers: int
    visits: int
    value: float
    mandatory_missed: int
    # The mandatory customers left out of the plan: [customer id, reason in words].
    missed: list[list[str]] = field(default_factory=list)
    skipped: bool = False


@dataclass
class NightlyResult:
    """What the nightly job did."""

    allocation_status: str
    allocated: int
    cases: int
    mandatory_unallocated: int
    regions: dict[str, RegionResult]
    resumed: bool
    # The mandatory cases no collector was given: [case id, why].
    unallocated: list[list[str]] = field(default_factory=list)

    @property
    def mandatory_missed(self) -> bool:
        """A mandatory case was not allocated, or a mandatory visit was not planned."""
        return bool(self.mandatory_unallocated or any(
            r.mandatory_missed for r in self.regions.values()))


Events = Callable[[str, dict], None]


class StrictWarnings(Exception):
    """Warnings about the inputs, raised instead of running in strict mode."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__("; ".join(warnings))
        self.warnings = warnings


def run(cases_path: Path, collectors_path: Path, out: Path, options: NightlyOptions,
        events: Events = lambda kind, data: None, *, strict: bool = False) -> NightlyResult:
    """Run (or resume) the nightly job. Raises ``api.tables.TableError`` for bad rows, the
    engines' validation errors for an invalid request, and in strict mode ``StrictWarnings``,
    before anything is written."""
    cases = read_table(cases_path, "cases")
    collectors = read_table(collectors_path, "collectors")
    out_of_shift_by_case = out_of_shift(cases, collectors)
    body = {"cases": allocation_rows(cases), "collectors": allocation_rows(collectors),
            **options.policy}
    for row in body["cases"]:
        if (late := out_of_shift_by_case.get(row["id"])) is not None:
            row["excluded_collectors"] = sorted({*row.get("excluded_collectors", []), *late})
    body.setdefault("options", {}).setdefault("time_limit_seconds", options.allocation_seconds)
    job = runs.check_allocation(AllocationRequest.model_validate(body))
    if strict and job.warnings:
        raise StrictWarnings(job.warnings)
    histories = None
    if options.case_file is not None:
        histories = fold_outcomes(options, cases, collectors)
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint(cases_path, collectors_path, options)
    state = _load_state(out, fingerprint)
    resumed = bool(state["done"])

    allocation_file = out / "allocation.json"
    if "allocation" in state["done"] and allocation_file.exists():
        allocation = json.loads(allocation_file.read_text(encoding="utf-8"))
        events("allocation", {"skipped": True})
    else:
        events("allocation_start", {"cases": len(cases), "collectors": len(collectors),
                                    "seconds": options.allocation_seconds})
        started = time.monotonic()
        result = runs.allocate(job, started=started)
        allocation = result.model_dump(mode="json")
        _atomic(allocation_file, result.model_dump_json(indent=2))
        _atomically(out / "allocation.csv", partial(write_allocation_csv, allocation))
        _atomically(out / "allocation.xlsx", partial(write_allocation_workbook, allocation))
        state["done"].append("allocation")
        _save_state(out, state)
        events("allocation", {"skipped": False, "status": result.status,
                              "seconds": time.monotonic() - started})

    regions = _regions(collectors)
    owner = {a["case_id"]: a["collector_id"] for a in allocation["allocations"]}
    case_rows = {c["id"]: c for c in cases}
    results: dict[str, RegionResult] = {}
    events("plans_start", {"regions": len(regions)})
    for name, members in regions.items():
        key = f"region:{name}"
        recorded = state["regions"].get(name)
        if key in state["done"] and recorded is not None:
            results[name] = RegionResult(**{**recorded, "skipped": True})
            events("region", {"region": name, "skipped": True})
            continue
        ids = {m["id"] for m in members}
        mine = [case_rows[c] for c, k in owner.items() if k in ids]
        plan_request = day_request(members, mine, owner, options.terms, histories)
        plan = runs.plan(runs.check_plan(plan_request))
        data = plan.model_dump(mode="json")
        stem = out / "plans" / _safe(name)
        stem.parent.mkdir(exist_ok=True)
        _atomic(stem.with_suffix(".request.json"), plan_request.model_dump_json(exclude_unset=True))
        _atomically(stem.with_suffix(".xlsx"), partial(write_route_sheets, plan_request, data))
        _atomically(stem.with_suffix(".csv"), partial(write_stops_csv, plan_request, data))
        _atomic(stem.with_suffix(".html"), map_page.render(plan_request, data,
                                                           tile_url=options.tile_url,
                                                           title=f"Visit plan {name} "
                                                                 f"{options.day}"))
        _atomic(stem.with_suffix(".json"), plan.model_dump_json(indent=2))
        results[name] = RegionResult(
            collectors=len(members), customers=len(mine), visits=plan.summary.visits,
            value=plan.summary.value,
            mandatory_missed=sum(u.mandatory for u in plan.unassigned),
            missed=[list(pair) for pair in missed(plan.unassigned)])
        state["regions"][name] = {k: v for k, v in vars(results[name]).items() if k != "skipped"}
        state["done"].append(key)
        _save_state(out, state)
        events("region", {"region": name, "skipped": False, "visits": plan.summary.visits})
    summary = allocation["summary"]
    return NightlyResult(allocation["status"], summary["allocated"], summary["cases"],
                         summary["mandatory_unallocated"], results, resumed,
                         [[u["case_id"], u["explanation"]] for u in allocation["unallocated"]
                          if u["mandatory"]])


def fold_outcomes(options: NightlyOptions, cases: list[dict], collectors: list[dict]
                  ) -> dict[str, tuple]:
    """Enter tonight's cases and collectors in the case file, record the day's outcomes (all or
    none; raises ``api.tables.TableError`` or ``api.db.case_file.CaseFileError``), and return
    every case's ``(address_updated, visits)``."""
    from api.db.case_file import histories, record, register
    from api.db.engine import connect, migrate
    from api.outcome_tables import read_outcomes

    now = datetime.now(UTC)
    engine = connect(options.case_file)
    try:
        migrate(engine)
        register(engine, LOCAL_TENANT, (c["id"] for c in cases), (k["id"] for k in collectors),
                 now=now)
        if options.outcomes is not None:
            outcomes = read_outcomes(options.outcomes, ZoneInfo(options.timezone), now)
            record(engine, LOCAL_TENANT, [(f"{options.outcomes.name}:{o.id}", o.customer, o)
                                          for o in outcomes], now=now)
        return histories(engine, LOCAL_TENANT, (c["id"] for c in cases))
    finally:
        engine.dispose()


def _regions(collectors: list[dict]) -> dict[str, list[dict]]:
    """Collectors grouped by their first region (one day plan each)."""
    groups: dict[str, list[dict]] = {}
    for k in collectors:
        groups.setdefault((k.get("regions") or [ALL])[0], []).append(k)
    return dict(sorted(groups.items()))


def _fingerprint(cases: Path, collectors: Path, options: NightlyOptions) -> str:
    digest = hashlib.sha256()
    for path in (cases, collectors, options.outcomes):
        if path is not None:
            digest.update(path.read_bytes())
    digest.update(json.dumps({k: str(v) for k, v in vars(options).items()},
                             sort_keys=True).encode())
    return digest.hexdigest()


def _load_state(out: Path, fingerprint: str) -> dict:
    path = out / "state.json"
    if path.exists():
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            if state.get("fingerprint") == fingerprint:
                return state
        except json.JSONDecodeError:
            pass
    return {"fingerprint": fingerprint, "done": [], "regions": {}}


def _save_state(out: Path, state: dict) -> None:
    _atomic(out / "state.json", json.dumps(state, indent=1))


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` make the file beside ``path``, then move it in place: the file is either
    whole or absent, even if the process dies."""
    partial = _partial(path)
    write(partial)
    os.replace(partial, path)


def _atomic(path: Path, text: str) -> None:
    """Write a text file atomically."""
    _atomically(path, lambda p: p.write_text(text, encoding="utf-8"))


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "region"
