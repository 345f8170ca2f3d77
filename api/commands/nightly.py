"""``fieldplan nightly`` and ``fieldplan demo``: the whole night, with progress bars."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import (
    QuietOpt,
    bad_input,
    bad_option,
    err,
    exit_if_missed,
    input_errors,
    read_json,
)
from api.defaults import TILE_URL


def nightly(
    cases: Annotated[Path, typer.Argument(help="cases table (.csv or .xlsx)")],
    collectors: Annotated[Path, typer.Argument(help="collectors table (.csv or .xlsx)")],
    day: Annotated[str, typer.Option("--date", help="the day to plan, YYYY-MM-DD")],
    out: Annotated[Path, typer.Option(help="folder for every result")],
    timezone: Annotated[str, typer.Option(help="IANA time zone of the team")] = "Asia/Shanghai",
    policy: Annotated[Path | None, typer.Option(help="JSON with the allocation's policy and "
                                                "options")] = None,
    allocation_seconds: Annotated[float, typer.Option(help="allocation time limit")] = 20.0,
    plan_seconds: Annotated[float, typer.Option(help="time limit of each region's day plan")
                            ] = 10.0,
    legal_hours: Annotated[str, typer.Option(help="china or us_fdcpa")] = "china",
    rest_days: Annotated[int, typer.Option(help="days a visited customer rests")] = 0,
    tiles: Annotated[str, typer.Option(envvar="FIELDPLAN_TILE_URL", help="map tile URL "
                                       "template")] = TILE_URL,
    strict: Annotated[bool, typer.Option("--strict", help="treat warnings about the inputs as "
                                         "bad input (exit 2)")] = False,
    outcomes: Annotated[Path | None, typer.Option(help=(
        "the day's visit outcomes (.json, .csv or .xlsx), recorded in the case file before "
        "planning; implies --case-file"))] = None,
    case_file: Annotated[bool, typer.Option("--case-file", help=(
        "let each case's visit history in the case file (FIELDPLAN_DATABASE_URL) shape the "
        "day plans"))] = False,
    quiet: QuietOpt = False,
    json_logs: Annotated[bool, typer.Option("--json-logs", help="one JSON line per event on "
                                            "standard error (for cron and log collectors)")
                         ] = False,
) -> None:
    """The whole nightly job: allocate the cases, then plan every collector's day.

    Day plans are made region by region (a collector's first region). Rerunning
    after a crash resumes: the allocation and finished regions are not done
    again.

    Example:

      fieldplan nightly cases.csv collectors.csv --date 2026-12-01 \\
          --out nightly/

    Exit codes: 0 done, 1 internal error, 2 bad input, 3 done but a mandatory
    case or visit is missing.
    """
    from datetime import date as Date

    from api import nightly as job
    from api.config import Settings

    try:
        parsed_day = Date.fromisoformat(day)
    except ValueError:
        bad_option([{"field": "--date", "reason": "give a date as YYYY-MM-DD"}])
    extra = read_json(policy) if policy is not None else {}
    options = job.NightlyOptions(
        day=parsed_day, timezone=timezone, policy=extra if isinstance(extra, dict) else {},
        allocation_seconds=allocation_seconds, plan_seconds=plan_seconds,
        legal_hours=legal_hours, min_rest_days=rest_days, tile_url=tiles,
        case_file=Settings().database_url if case_file or outcomes is not None else None,
        outcomes=outcomes)
    result = _run_nightly(job, cases, collectors, out, options, quiet=quiet, json_logs=json_logs,
                          strict=strict)
    exit_if_missed(_missed(result))


def demo(
    out: Annotated[Path, typer.Option(help="folder for the generated city and every result")
                   ] = Path("fieldplan-demo"),
    cases: Annotated[int, typer.Option(help="overdue cases to generate")] = 2400,
    seconds: Annotated[float, typer.Option(help="time limit of the allocation and of each "
                                           "region's day plan")] = 10.0,
    quiet: QuietOpt = False,
) -> None:
    """Generate a city, allocate its cases, plan tomorrow, and write every result.

    The city: 40 collectors in 4 districts, a few thousand overdue cases in
    buckets, some evening-only, some with a promise to pay due. Everything
    (tables, route sheets, maps) is written into one folder.

    Example:

      fieldplan demo --out fieldplan-demo

    Exit codes: 0 done, 1 internal error, 3 done but a mandatory case or
    visit is missing (each is listed with the reason).
    """
    from datetime import date as Date

    from api import demo as city
    from api import nightly as job

    day = Date(2026, 12, 1)
    cases_path, collectors_path = city.city(out / "input", cases=cases,
                                            yesterday=Date(2026, 11, 30).isoformat())
    # A fair team: an hour of workload outside 10% of the mean costs 500, at most a fifth of
    # the owned cases change hands, and a bonus for keeping the customer's collector.
    policy = {"policy": {"max_distance_km": 20, "continuity_bonus": 50,
                         "balance_tolerance": 0.1, "balance_cost_per_hour": 500,
                         "max_reassignment_share": 0.2}}
    options = job.NightlyOptions(day=day, policy=policy, allocation_seconds=seconds,
                                 plan_seconds=seconds, min_rest_days=2)
    result = _run_nightly(job, cases_path, collectors_path, out, options, quiet=quiet,
                          json_logs=False)
    if not quiet:
        first = next(iter(result.regions), None)
        err.print(f"\nInputs: {cases_path} and {collectors_path}")
        err.print(f"Allocation: {out / 'allocation.json'} and {out / 'allocation.csv'}")
        if first:
            stem = out / "plans" / first
            err.print(f"Day plans: {out / 'plans'}/ — e.g. open {stem.with_suffix('.html')} "
                      f"in a browser (map), {stem.with_suffix('.xlsx')} (route sheets)")
    exit_if_missed(_missed(result))


def _missed(result) -> list[tuple[str, str]]:
    """Every mandatory case no collector was given, and every mandatory visit left out of a
    region's plan, with why."""
    missed = [(f"{case} (not allocated)", why) for case, why in result.unallocated]
    for name, region in result.regions.items():
        missed += [(f"{customer} ({name})", why) for customer, why in region.missed]
        if region.mandatory_missed and not region.missed:  # recorded by an older version
            missed.append((f"region {name}", f"{region.mandatory_missed} mandatory visits; "
                           "see its plan"))
    return missed


def _run_nightly(job, cases: Path, collectors: Path, out: Path, options, *, quiet: bool,
                 json_logs: bool, strict: bool = False):
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        console=err, disable=quiet or json_logs, transient=False)
    tasks: dict[str, int] = {}

    def events(kind: str, data: dict) -> None:
        if json_logs:
            sys.stderr.write(json.dumps({"event": kind, "at": round(time.time(), 3), **data})
                             + "\n")
            sys.stderr.flush()
        if kind == "allocation_start":
            tasks["allocation"] = progress.add_task(
                f"allocating {data['cases']} cases to {data['collectors']} collectors "
                f"(up to {data['seconds']:g} s)", total=1)
        elif kind == "allocation":
            if "allocation" not in tasks:
                tasks["allocation"] = progress.add_task("allocation (done before)", total=1)
            progress.update(tasks["allocation"], completed=1)
        elif kind == "plans_start":
            tasks["plans"] = progress.add_task("planning tomorrow, region by region",
                                               total=data["regions"])
        elif kind == "region":
            progress.advance(tasks["plans"])

    try:
        with input_errors(cases), progress:
            result = job.run(cases, collectors, out, options, events, strict=strict)
    except job.StrictWarnings as exc:
        bad_input(cases, [{"field": "(warning, --strict)", "reason": w} for w in exc.warnings])
    if not quiet:
        err.print(f"[bold]{result.allocation_status}[/]: {result.allocated}/{result.cases} cases "
                  f"allocated; written to {out}" + (" (resumed)" if result.resumed else ""))
        for name, r in result.regions.items():
            note = " (done before)" if r.skipped else ""
            err.print(f"  {name}: {r.visits} visits by {r.collectors} collectors from "
                      f"{r.customers} cases, value {r.value:,.0f}, "
                      f"{r.mandatory_missed} mandatory missed{note}", highlight=False)
    return result
