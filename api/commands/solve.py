"""``fieldplan plan`` and ``fieldplan assign``: one day plan, one allocation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

import allocation
import routing
from allocation.exceptions import InvalidAllocation
from api import map_page
from api.commands.common import (EXIT_BAD_INPUT, EXIT_MANDATORY_MISSED, bad_input, err,
                                 read_json, write, write_or_fail)
from api.errors import describe_invalid_problem, describe_validation_error
from api.map_page import OSM_TILES
from api.outputs import (
    write_allocation_csv,
    write_allocation_workbook,
    write_route_sheets,
    write_stops_csv,
)
from api.schemas.allocation import (
    AllocationRequest,
    AllocationResponse,
    to_allocation_problem,
    warnings_for,
)
from api.schemas.plan import PlanRequest, PlanResponse, to_problem
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
    if request is not None:
        body = read_json(request)
    elif customers is not None and collectors is not None and day is not None:
        body = _plan_from_tables(customers, collectors, day, timezone, legal_hours, rest_days)
    else:
        bad_input(source, [{"field": "(input)", "reason": "give REQUEST.json, or --customers, "
                                                           "--collectors and --date"}])
    if time_limit is not None and isinstance(body, dict):
        body.setdefault("options", {})["time_limit_seconds"] = time_limit
    try:
        with err.status("checking the request and building the travel matrix",
                        spinner="dots") as status:
            if quiet:
                status.stop()
            parsed = PlanRequest.model_validate(body)
            problem, context = to_problem(parsed)
    except ValidationError as exc:
        bad_input(source, describe_validation_error(exc))
    except InvalidProblem as exc:
        bad_input(source, describe_invalid_problem(exc))
    limit = problem.options.time_limit
    with err.status(f"planning {len(parsed.customers)} customers for "
                    f"{len(parsed.collectors)} collectors (up to {limit:g} s)",
                    spinner="dots") as status:
        def on_solution(objective: float | None) -> None:
            if quiet or objective is None:
                return
            status.update(f"planning: best objective so far {objective / 100:,.2f} "
                          f"({time.monotonic() - started:.0f}/{limit:g} s)")

        if quiet:
            status.stop()
        plan = routing.solve(problem, started=started, on_solution=on_solution)
        result = PlanResponse.from_plan(plan, context, parsed)
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
    if time_limit is not None and isinstance(body, dict):
        body.setdefault("options", {})["time_limit_seconds"] = time_limit
    try:
        parsed = AllocationRequest.model_validate(body)
        problem = to_allocation_problem(parsed)
    except ValidationError as exc:
        bad_input(source, describe_validation_error(exc))
    except InvalidAllocation as exc:
        bad_input(source, describe_invalid_problem(exc))
    warnings = warnings_for(problem)
    if strict and warnings:
        for warning in warnings:
            err.print(f"[yellow]warning[/]: {warning}", highlight=False)
        err.print("[red]error[/]: --strict: warnings are treated as bad input; nothing allocated")
        raise typer.Exit(EXIT_BAD_INPUT)
    limit = problem.options.time_limit
    with err.status(f"allocating {len(problem.cases)} cases to {len(problem.collectors)} "
                    f"collectors (up to {limit:g} s)", spinner="dots") as status:
        def on_progress(objective: float, bound: float) -> None:
            if not quiet:
                status.update(f"allocating: best objective so far {objective / 100:,.2f}, "
                              f"bound {bound / 100:,.2f} ({time.monotonic() - started:.0f}/"
                              f"{limit:g} s)")

        if quiet:
            status.stop()
        result = AllocationResponse.from_result(
            allocation.solve(problem, started=started, on_progress=on_progress), warnings)
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


def _plan_from_tables(customers: Path, collectors: Path, day: str, timezone: str,
                      legal_hours: str, rest_days: int) -> dict:
    from datetime import date as Date

    from api import nightly as job

    try:
        parsed_day = Date.fromisoformat(day)
    except ValueError:
        bad_input(Path(day), [{"field": "--date", "reason": "give a date as YYYY-MM-DD"}])
    try:
        rows = read_table(customers, "cases")
        members = read_table(collectors, "collectors")
    except TableError as exc:
        bad_input(customers, exc.problems)
    options = job.NightlyOptions(day=parsed_day, timezone=timezone, legal_hours=legal_hours,
                                 min_rest_days=rest_days)
    return job.region_request(members, rows, None, options)
