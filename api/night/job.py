"""The nightly job: allocate the portfolio, then plan tomorrow's visits of every collector,
region by region, writing every result into one folder.

The night is a set of tasks (``api.night.split``): an allocation per group of regions, then a
day plan per region as soon as its group is allocated. They run in this process or on a Dask
cluster (``api.night.cluster``); either way this process writes each result once, as it
arrives, and records it in ``state.json`` (``api.night.state``), so that a crash costs only
what was running, and a rerun with the same inputs skips what is done."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from api import map_page, runs
from api.day_tables import DayTerms, on_duty, out_of_shift
from api.locate import Find, Geocoding
from api.night import split as splitting
from api.night import tasks
from api.night.cluster import InProcess
from api.night.state import State, atomic, atomically, digests
from api.outputs import write_allocation_csv, write_allocation_workbook
from api.schemas.allocation import AllocationRequest
from api.schemas.common import ADDRESS_NOT_FOUND, Unlocated
from api.tables import allocation_rows, located_rows, read_table

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
    # The same results for the same inputs on any machine, in-process or on a cluster.
    deterministic: bool = False
    # Day plans timed on this road network (a file in FIELDPLAN_ROADS_DIR) for a profile.
    roads: str | None = None
    profile: str = "drive"
    # Where cases given by address alone are looked up (api.locate.Geocoding), if anywhere.
    geocoding: Geocoding | None = None

    @property
    def terms(self) -> DayTerms:
        """What every region's day plan shares."""
        return DayTerms(self.day, self.timezone, self.legal_hours, self.min_rest_days,
                        self.plan_seconds, self.deterministic, self.roads, self.profile)


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
    # The search was stopped by the time limit (in deterministic mode: not by its work limit,
    # so the plan may differ from machine to machine).
    time_limit_hit: bool = False
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
    # Tasks run again after their worker was lost: task name -> times.
    retries: dict[str, int] = field(default_factory=dict)

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
        events: Events = lambda kind, data: None, *, strict: bool = False,
        executor=None, fresh: bool = False, find: Find | None = None) -> NightlyResult:
    """Run (or resume) the nightly job on ``executor`` (default: this process). Raises
    ``api.tables.TableError`` for bad rows, the engines' validation errors for an invalid
    request, ``api.night.state.InputsChanged`` for a folder of another night (unless
    ``fresh``), in strict mode ``StrictWarnings``, all before anything is written; and
    ``api.night.cluster.ClusterError`` when the cluster fails the night. Cases given by
    address alone are located by ``find`` (``options.geocoding``'s finder); those not found
    are unallocated with reason ``address_not_found``."""
    every_case = read_table(cases_path, "cases", find)
    cases, unlocated = located_rows(every_case)
    everyone = read_table(collectors_path, "collectors")
    collectors, cases = on_duty(everyone, cases, options.day)
    body = _allocation_body(cases, collectors, options)
    job = runs.check_allocation(AllocationRequest.model_validate(body))
    night = splitting.split(body, options.allocation_seconds)
    night.orphans += [_unlocated(missed) for missed in unlocated]
    if strict and (job.warnings or night.warnings):
        raise StrictWarnings(job.warnings + night.warnings)
    out.mkdir(parents=True, exist_ok=True)
    state = State(out, digests({"cases table": cases_path, "collectors table": collectors_path,
                                "outcomes": options.outcomes}, asdict(options)), fresh=fresh)
    histories = (fold_outcomes(options, every_case, everyone) if options.case_file
                 else None)
    executor = executor or InProcess()
    case_rows = {c["id"]: c for c in cases}
    collector_rows = {k["id"]: k for k in collectors}  # with their day (shift, breaks)
    allocations: dict[str, dict] = {}
    results: dict[str, RegionResult] = {}
    for folder in (out / "allocations", out / "plans"):
        folder.mkdir(exist_ok=True)
    if state.started_over:  # no file of the night before stays to be mistaken for tonight's
        for file in [*(out / "allocations").iterdir(), *(out / "plans").iterdir(),
                     *(out / f"allocation{suffix}" for suffix in (".json", ".csv", ".xlsx"))]:
            file.unlink(missing_ok=True)

    def plan_regions(group: str) -> None:
        owner = {a["case_id"]: a["collector_id"] for a in allocations[group]["allocations"]}
        for name, members in night.regions.items():
            if night.group_of[name] != group:
                continue
            if state.done(f"region:{name}") and (recorded := state.region(name)) is not None:
                results[name] = RegionResult(**{**recorded, "skipped": True})
                events("region", {"region": name, "skipped": True})
                continue
            ids = {m["id"] for m in members}
            mine = [case_rows[c] for c, k in owner.items() if k in ids]
            executor.submit(f"region:{name}", tasks.plan_region, tasks.RegionWork(
                name, [collector_rows[m["id"]] for m in members], mine,
                {c["id"]: owner[c["id"]] for c in mine}, options.terms,
                None if histories is None else {c["id"]: histories[c["id"]] for c in mine
                                                if c["id"] in histories},
                options.tile_url))

    for warning in night.warnings:
        events("warning", {"warning": warning})
    events("allocation_start", {"cases": len(cases), "collectors": len(collectors),
                                "groups": len(night.groups), "seconds": options.allocation_seconds})
    events("plans_start", {"regions": len(night.regions)})
    started = time.monotonic()
    for group in night.groups:
        file = out / "allocations" / f"{_safe(group.name)}.json"
        if state.done(f"allocation:{group.name}") and file.exists():
            allocations[group.name] = json.loads(file.read_text(encoding="utf-8"))
            events("allocation", {"group": group.name, "skipped": True})
            plan_regions(group.name)
        else:
            executor.submit(f"allocation:{group.name}", tasks.allocate, group.body)
    for name, value in executor.results():
        kind, _, what = name.partition(":")
        if kind == "allocation":
            atomic(out / "allocations" / f"{_safe(what)}.json", json.dumps(value, indent=1))
            state.finish(name)
            allocations[what] = value
            events("allocation", {"group": what, "skipped": False, "status": value["status"],
                                  "seconds": time.monotonic() - started})
            plan_regions(what)
        else:
            stem = out / "plans" / _safe(what)
            for suffix, content in value["files"].items():
                atomic(stem.with_suffix(suffix), content)
            results[what] = RegionResult(**value["result"])
            state.finish(name, value["result"])
            if options.deterministic and results[what].time_limit_hit:
                events("warning", {"warning": f"region {what}: the plan's time limit stopped "
                                   "the search before its work limit, so this plan may differ "
                                   "on another machine; give more --plan-seconds"})
            events("region", {"region": what, "skipped": False,
                              "visits": value["result"]["visits"]})
    allocation = splitting.merge([allocations[g.name] for g in night.groups], night.orphans,
                                 night.warnings)
    if not (state.done("allocation") and (out / "allocation.json").exists()):
        atomically(out / "allocation.csv", partial(write_allocation_csv, allocation))
        atomically(out / "allocation.xlsx", partial(write_allocation_workbook, allocation))
        atomic(out / "allocation.json", json.dumps(allocation, indent=2, ensure_ascii=False))
        state.finish("allocation")
        state.complete()
    summary = allocation["summary"]
    return NightlyResult(allocation["status"], summary["allocated"], summary["cases"],
                         summary["mandatory_unallocated"], dict(sorted(results.items())),
                         state.resumed,
                         [[u["case_id"], u["explanation"]] for u in allocation["unallocated"]
                          if u["mandatory"]], executor.retries())


def _unlocated(missed: Unlocated) -> dict:
    """The unallocated entry of a case whose address was not found."""
    return {"case_id": missed.customer, "reason": ADDRESS_NOT_FOUND,
            "mandatory": missed.mandatory, "explanation": missed.explanation}


def _allocation_body(cases: list[dict], collectors: list[dict],
                     options: NightlyOptions) -> dict:
    """The whole night's allocation request: no case goes to a collector whose shift cannot
    hold its visit window."""
    late_by_case = out_of_shift(cases, collectors)
    body = {"cases": allocation_rows(cases), "collectors": allocation_rows(collectors),
            **options.policy}
    for row in body["cases"]:
        if (late := late_by_case.get(row["id"])) is not None:
            row["excluded_collectors"] = sorted({*row.get("excluded_collectors", []), *late})
    settings = body.setdefault("options", {})
    settings.setdefault("time_limit_seconds", options.allocation_seconds)
    if options.deterministic:
        settings["deterministic"] = True
    return body


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


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "region"
