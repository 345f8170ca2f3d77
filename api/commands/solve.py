"""``fieldplan plan`` and ``fieldplan assign``: one day plan, one allocation."""

from __future__ import annotations

import time
from datetime import date as Date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

import allocation
import routing
from allocation.exceptions import InvalidAllocation
from api import map_page, runs
from api.commands.common import (
    EXIT_BAD_INPUT,
    EXIT_MANDATORY_MISSED,
    bad_input,
    err,
    read_json,
    write,
    write_or_fail,
)
from api.day_tables import DayTerms, day_request
from api.errors import describe_invalid_problem, describe_validation_error
from api.map_page import OSM_TILES
from api.outputs import (
    write_allocation_csv,
    write_allocation_workbook,
    write_route_sheets,
    write_stops_csv,
)
from api.schemas.allocation import AllocationRequest
from api.schemas.plan import PlanRequest
from api.tables import TableError, allocation_rows, read_table
from routing.exceptions import InvalidProblem


def plan(
    request: Annotated[Path | None, typer.Argument(help="day-plan request (JSON)")] = None,
    output: Annotated[list[Path] | None, typer.Option(
        "-o", "--output", help="where to write the plan, by suffix: .json (the plan), .csv "
        "(stops), .xlsx (route sheets), .html (map); repeat for several; default: JSON on "
        "standard output")] = None,
    customers: Annotated[Path | None, typer.Option(help="customers table, .csv or .xlsx (the "
                                                   "cases layout; instead of a JSON request)")
                         ] = None,
    collectors: Annotated[Path | None, typer.Option(help="collectors table, .csv or .xlsx")
                          ] = None,
    day: Annotated[str | None, typer.Option("--date", help="with tables: the day, YYYY-MM-DD")
                   ] = None,
    timezone: Annotated[str, typer.Option(help="with tables: IANA time zone")] = "Asia/Shanghai",
    legal_hours: Annotated[str, typer.Option(help="with tables: china or us_fdcpa")] = "china",
    rest_days: Annotated[int, typer.Option(help="with tables: days a visited customer rests")
                         ] = 0,
    time_limit: Annotated[float | None, typer.Option(help="override options.time_limit_seconds")
                          ] = None,
    tiles: Annotated[str, typer.Option(envvar="FIELDPLAN_TILE_URL", help="map tile URL "
                                       "template of the .html map")] = OSM_TILES,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")] = False,
) -> None:
    """Plan one day: whom each collector visits, in what order, at what time.

    Examples: fieldplan plan examples/plan_request.json -o plan.json
              fieldplan plan examples/plan_request.json -o plan.json -o routes.xlsx -o map.html
              fieldplan plan --customers customers.xlsx --collectors collectors.xlsx \\
                  --date 2026-12-01 -o routes.xlsx -o map.html

    Exit codes: 0 planned, 2 bad input, 3 planned but a mandatory visit is missing.
    """
    outputs = output or []
    source = request or customers or Path("(no input)")
    unknown = [str(p) for p in outputs if p.suffix.lower() not in PLAN_WRITERS]
    if unknown:
        bad_input(source, [{"field": "--output", "reason": f"{', '.join(unknown)}: use a .json, "
                                                            ".csv, .xlsx or .html file"}])
    routing.warm_up()  # load the solver before the clock starts
    started = time.monotonic()
    try:
        with err.status("checking the request and building the travel matrix",
                        spinner="dots") as status:
            if quiet:
                status.stop()
            if request is not None:
                parsed = PlanRequest.model_validate(read_json(request))
            elif customers is not None and collectors is not None and day is not None:
                parsed = _plan_from_tables(customers, collectors, day, timezone, legal_hours,
                                           rest_days)
            else:
                bad_input(source, [{"field": "(input)", "reason": "give REQUEST.json, or "
                                    "--customers, --collectors and --date"}])
            if time_limit is not None:
                parsed = _with_time_limit(parsed, time_limit, source)
            day_plan = runs.check_plan(parsed)
    except ValidationError as exc:
        bad_input(source, describe_validation_error(exc))
    except InvalidProblem as exc:
        bad_input(source, describe_invalid_problem(exc))
    except TableError as exc:
        bad_input(source, exc.problems)
    limit = day_plan.problem.options.time_limit
    with err.status(f"planning {len(parsed.customers)} customers for "
                    f"{len(parsed.collectors)} collectors (up to {limit:g} s)",
                    spinner="dots") as status:
        def on_progress(progress: dict) -> None:
            if not quiet and progress["best_objective"] is not None:
                status.update(f"planning: best objective so far {progress['best_objective']:,.2f}"
                              f" ({time.monotonic() - started:.0f}/{limit:g} s)")

        if quiet:
            status.stop()
        result = runs.plan(day_plan, started=started, progress=on_progress)
        if not outputs:
            write(result.model_dump_json(indent=2), None)
        data = result.model_dump(mode="json")
        for path in outputs:
            status.update(f"writing {path}")
            write_or_fail(lambda p: PLAN_WRITERS[p.suffix.lower()](parsed, result, data, p,
                                                                  tiles), path)
    if not quiet:
        s = result.summary
        err.print(f"[bold]{result.status}[/]: {s.visits} visits by {len(result.routes)} "
                  f"collectors, value {s.value:,.2f}, travel {s.travel_seconds / 3600:.1f} h, "
                  f"{len(result.unassigned)} not planned"
                  + (f"; written to {', '.join(map(str, outputs))}" if outputs else ""))
    if result.status == "mandatory_missed":
        raise typer.Exit(EXIT_MANDATORY_MISSED)


def assign(
    request: Annotated[Path | None, typer.Argument(help="allocation request (JSON)")] = None,
    output: Annotated[list[Path] | None, typer.Option(
        "-o", "--output", help="where to write the allocation, by suffix: .json, .csv (every "
        "case), .xlsx (collectors and cases); repeat for several; default: JSON on standard "
        "output")] = None,
    cases: Annotated[Path | None, typer.Option(help="cases table, .csv or .xlsx (instead of a "
                                               "JSON request)")] = None,
    collectors: Annotated[Path | None, typer.Option(help="collectors table, .csv or .xlsx")
                          ] = None,
    policy: Annotated[Path | None, typer.Option(help="JSON with policy and options, for CSV "
                                                "input")] = None,
    time_limit: Annotated[float | None, typer.Option(help="override the time limit")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="treat warnings as bad input "
                                         "(exit 2)")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")] = False,
) -> None:
    """Allocate cases to collectors: capacity, skills, territory, distance, continuity, balance.

    Examples: fieldplan assign examples/assign_request.json -o assignment.json
              fieldplan assign --cases cases.csv --collectors collectors.csv -o assignment.json
              fieldplan assign --cases 案件.xlsx --collectors 催收员.xlsx -o assignment.json

    Exit codes: 0 allocated, 2 bad input, 3 allocated but a mandatory case is left out.
    """
    allocation.warm_up()  # load the solver before the clock starts
    started = time.monotonic()
    source = request or cases or Path("(no input)")
    outputs = output or []
    unknown = [str(p) for p in outputs if p.suffix.lower() not in ALLOCATION_WRITERS]
    if unknown:
        bad_input(source, [{"field": "--output", "reason": f"{', '.join(unknown)}: use a .json, "
                                                            ".csv or .xlsx file"}])
    if request is not None:
        body = read_json(request)
    elif cases is not None and collectors is not None:
        try:
            body = {"cases": allocation_rows(read_table(cases, "cases")),
                    "collectors": allocation_rows(read_table(collectors, "collectors"))}
        except TableError as exc:
            bad_input(source, exc.problems)
        if policy is not None:
            extra = read_json(policy)
            body.update(extra if isinstance(extra, dict) else {"policy": extra})
    else:
        bad_input(source, [{"field": "(input)", "reason": "give REQUEST.json, or --cases and "
                                                           "--collectors"}])
    try:
        parsed = AllocationRequest.model_validate(body)
        if time_limit is not None:
            parsed = _with_time_limit(parsed, time_limit, source)
        job = runs.check_allocation(parsed)
    except ValidationError as exc:
        bad_input(source, describe_validation_error(exc))
    except InvalidAllocation as exc:
        bad_input(source, describe_invalid_problem(exc))
    if strict and job.warnings:
        for warning in job.warnings:
            err.print(f"[yellow]warning[/]: {warning}", highlight=False)
        err.print("[red]error[/]: --strict: warnings are treated as bad input; nothing allocated")
        raise typer.Exit(EXIT_BAD_INPUT)
    limit = job.problem.options.time_limit
    with err.status(f"allocating {len(parsed.cases)} cases to {len(parsed.collectors)} "
                    f"collectors (up to {limit:g} s)", spinner="dots") as status:
        def on_progress(progress: dict) -> None:
            if not quiet:
                status.update(f"allocating: best objective so far "
                              f"{progress['best_objective']:,.2f}, bound {progress['bound']:,.2f}"
                              f" ({time.monotonic() - started:.0f}/{limit:g} s)")

        if quiet:
            status.stop()
        result = runs.allocate(job, started=started, progress=on_progress)
        if not outputs:
            write(result.model_dump_json(indent=2), None)
        data = result.model_dump(mode="json")
        for path in outputs:
            status.update(f"writing {path}")
            write_or_fail(lambda p: ALLOCATION_WRITERS[p.suffix.lower()](result, data, p), path)
    if not quiet:
        s = result.summary
        gap = "" if result.gap is None else f", gap to bound {100 * result.gap:.2f}%"
        err.print(f"[bold]{result.status}[/]: {s.allocated}/{s.cases} cases allocated, value "
                  f"{s.value:,.2f}, {s.reassigned} reassigned{gap}"
                  + (f"; written to {', '.join(map(str, outputs))}" if outputs else ""))
        for warning in result.warnings:
            err.print(f"[yellow]warning[/]: {warning}", highlight=False)
    if result.status == "mandatory_missed":
        raise typer.Exit(EXIT_MANDATORY_MISSED)


PLAN_WRITERS = {
    ".json": lambda req, res, data, path, tiles: write(res.model_dump_json(indent=2), path),
    ".csv": lambda req, res, data, path, tiles: write_stops_csv(req, data, path),
    ".xlsx": lambda req, res, data, path, tiles: write_route_sheets(req, data, path),
    ".html": lambda req, res, data, path, tiles: path.write_text(
        map_page.render(req, data, tile_url=tiles), encoding="utf-8"),
}


ALLOCATION_WRITERS = {
    ".json": lambda res, data, path: write(res.model_dump_json(indent=2), path),
    ".csv": lambda res, data, path: write_allocation_csv(data, path),
    ".xlsx": lambda res, data, path: write_allocation_workbook(data, path),
}


def _with_time_limit(request, seconds: float, source: Path):
    """``request`` with the time limit of ``--time-limit``, checked as if the request gave it."""
    try:
        options = type(request.options).model_validate(
            {**request.options.model_dump(), "time_limit_seconds": seconds})
    except ValidationError as exc:
        bad_input(source, [{"field": "--time-limit", "reason": item["msg"]}
                           for item in exc.errors(include_url=False)])
    return request.model_copy(update={"options": options})


def _plan_from_tables(customers: Path, collectors: Path, day: str, timezone: str,
                      legal_hours: str, rest_days: int) -> PlanRequest:
    """A day-plan request from the two tables; raises ``TableError`` for bad rows."""
    try:
        parsed_day = Date.fromisoformat(day)
    except ValueError:
        bad_input(Path(day), [{"field": "--date", "reason": "give a date as YYYY-MM-DD"}])
    rows = read_table(customers, "cases")
    members = read_table(collectors, "collectors")
    terms = DayTerms(day=parsed_day, timezone=timezone, legal_hours=legal_hours,
                     min_rest_days=rest_days)
    return day_request(members, rows, None, terms)
