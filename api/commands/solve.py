"""``fieldplan plan`` and ``fieldplan assign``: one day plan, one allocation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.commands import clock
from api.commands import geocode as geo
from api.commands.common import (
    EXIT_BAD_INPUT,
    CollectorsTableOpt,
    CustomersTableOpt,
    LegalHoursOpt,
    ProfileOpt,
    QuietOpt,
    RestDaysOpt,
    RoadsOpt,
    TimeLimitOpt,
    TimezoneOpt,
    bad_input,
    bad_option,
    check_outputs,
    err,
    exit_if_missed,
    input_errors,
    outputs_option,
    read_json,
    use_roads,
    write,
    write_all,
)
from api.commands.progress import ProgressLine
from api.defaults import TILE_URL

if TYPE_CHECKING:
    from api import runs
    from api.day_tables import DayTerms

PlanOutputs = outputs_option("the plan", ".json (the plan), .csv (stops), .xlsx (route sheets), "
                             ".html (map)")
AllocationOutputs = outputs_option("the allocation", ".json, .csv (every case), .xlsx "
                                   "(collectors and cases)")


def plan(
    request: Annotated[Path | None, typer.Argument(help="day-plan request (JSON)")] = None,
    output: PlanOutputs = None,
    customers: CustomersTableOpt = None,
    collectors: CollectorsTableOpt = None,
    day: Annotated[str | None, typer.Option("--date", help="with tables: the day, YYYY-MM-DD")
                   ] = None,
    timezone: TimezoneOpt = "Asia/Shanghai",
    legal_hours: LegalHoursOpt = "china",
    rest_days: RestDaysOpt = 0,
    time_limit: TimeLimitOpt = None,
    tiles: Annotated[str, typer.Option(envvar="FIELDPLAN_TILE_URL", help="map tile URL "
                                       "template of the .html map")] = TILE_URL,
    roads: RoadsOpt = None,
    profile: ProfileOpt = "drive",
    addresses: geo.AddressesOpt = None,
    geocoder: geo.GeocoderOpt = None,
    setting: geo.SettingOpt = None,
    min_delay: geo.MinDelayOpt = 1.0,
    quiet: QuietOpt = False,
) -> None:
    """Plan one day: whom each collector visits, in what order, at what time.

    Customers given by address alone are located from --addresses (an
    OpenStreetMap extract's address tags) or --geocoder (a geopy service);
    one whose address is not found is left out with that reason.

    Examples:

      fieldplan plan examples/plan_request.json -o plan.json
      fieldplan plan examples/plan_request.json -o plan.json \\
          -o routes.xlsx -o map.html
      fieldplan plan --customers customers.xlsx --collectors collectors.xlsx \\
          --date 2026-12-01 -o routes.xlsx -o map.html
      fieldplan plan --customers cases.xlsx --collectors collectors.xlsx \\
          --date 2026-12-01 --addresses city.osm.pbf --roads city.roads

    Exit codes: 0 planned, 1 internal error, 2 bad input, 3 planned but a
    mandatory visit is missing.
    """
    import routing
    from api import runs
    from api.day_tables import DayTerms
    from api.schemas.plan_out import missed

    outputs = output or []
    source = request or customers or Path("(no input)")
    check_outputs(outputs, PLAN_OUTPUTS)
    started = clock.started()  # start-up counts: the limit is the command's
    routing.warm_up()
    with err.status("checking the request and building the travel matrix",
                    spinner="dots") as status:
        if quiet:
            status.stop()
        day_plan = _checked_plan(source, request, customers, collectors, day,
                                 DayTerms(day=date.min, timezone=timezone,
                                          legal_hours=legal_hours, min_rest_days=rest_days,
                                          roads=use_roads(roads), profile=profile),
                                 time_limit, geo.geocoding_of(addresses, geocoder, setting,
                                                          min_delay))
    parsed = day_plan.request
    result = solve_and_write(
        f"planning {len(parsed.customers)} customers for {len(parsed.collectors)} collectors",
        day_plan.problem.options.time_limit, started, quiet,
        lambda progress: runs.plan(
            day_plan, started=started, progress=progress,
            reserve=clock.writing_seconds(outputs, len(parsed.customers))
        ).model_copy(update={"request": parsed}),
        lambda res, data, final, part: write_plan(final, parsed, res, data, part, tiles),
        outputs)
    if not quiet:
        s = result.summary
        err.print(f"[bold]{result.status}[/]: {s.visits} visits by {len(result.routes)} "
                  f"collectors, value {s.value:,.2f}, travel {s.travel_seconds / 3600:.1f} h, "
                  f"{len(result.unassigned)} not planned"
                  + (f"; written to {', '.join(map(str, outputs))}" if outputs else ""))
        if result.off_road:
            far = result.off_road[0]
            err.print(f"{len(result.off_road)} customers are more than 100 m from a road "
                      f"(farthest: {far.customer_id}, {far.metres} m): check their locations",
                      highlight=False)
    exit_if_missed(missed(result.unassigned))


def assign(
    request: Annotated[Path | None, typer.Argument(help="allocation request (JSON)")] = None,
    output: AllocationOutputs = None,
    cases: Annotated[Path | None, typer.Option(help="cases table, .csv or .xlsx (instead of a "
                                               "JSON request)")] = None,
    collectors: CollectorsTableOpt = None,
    policy: Annotated[Path | None, typer.Option(help="JSON with policy and options, for CSV "
                                                "input")] = None,
    time_limit: TimeLimitOpt = None,
    strict: Annotated[bool, typer.Option("--strict", help="treat warnings as bad input "
                                         "(exit 2)")] = False,
    addresses: geo.AddressesOpt = None,
    geocoder: geo.GeocoderOpt = None,
    setting: geo.SettingOpt = None,
    min_delay: geo.MinDelayOpt = 1.0,
    quiet: QuietOpt = False,
) -> None:
    """Allocate cases to collectors: capacity, skills, territory, distance,
    continuity, balance. Cases of a table given by address alone are located
    from --addresses or --geocoder; one not found is left unallocated with
    that reason.

    Examples:

      fieldplan assign examples/assign_request.json -o assignment.json
      fieldplan assign --cases cases.csv --collectors collectors.csv \\
          -o assignment.json
      fieldplan assign --cases 案件.xlsx --collectors 催收员.xlsx \\
          -o assignment.json

    Exit codes: 0 allocated, 1 internal error, 2 bad input, 3 allocated but a
    mandatory case is left out.
    """
    import allocation
    from api import runs

    source = request or cases or Path("(no input)")
    outputs = output or []
    check_outputs(outputs, ALLOCATION_OUTPUTS)
    started = clock.started()  # start-up counts: the limit is the command's
    allocation.warm_up()
    job = _checked_allocation(source, request, cases, collectors, policy, time_limit,
                              geo.geocoding_of(addresses, geocoder, setting, min_delay))
    if strict and job.warnings:
        for warning in job.warnings:
            err.print(f"[yellow]warning[/]: {warning}", highlight=False)
        err.print("[red]error[/]: --strict: warnings are treated as bad input; nothing allocated")
        raise typer.Exit(EXIT_BAD_INPUT)
    result = solve_and_write(
        f"allocating {len(job.request.cases)} cases to {len(job.request.collectors)} collectors",
        job.problem.options.time_limit, started, quiet,
        lambda progress: runs.allocate(
            job, started=started, progress=progress,
            reserve=clock.writing_seconds(outputs, len(job.request.cases))),
        lambda res, data, final, part: _write_allocation(final.suffix.lower(), res, data, part),
        outputs)
    if not quiet:
        s = result.summary
        gap = "" if result.gap is None else f", gap to bound {100 * result.gap:.2f}%"
        err.print(f"[bold]{result.status}[/]: {s.allocated}/{s.cases} cases allocated, value "
                  f"{s.value:,.2f}, {s.reassigned} reassigned{gap}"
                  + (f"; written to {', '.join(map(str, outputs))}" if outputs else ""))
        for warning in result.warnings:
            err.print(f"[yellow]warning[/]: {warning}", highlight=False)
    exit_if_missed([(u.case_id, u.explanation) for u in result.unallocated if u.mandatory])


PLAN_OUTPUTS = (".json", ".csv", ".xlsx", ".html")
ALLOCATION_OUTPUTS = (".json", ".csv", ".xlsx")


def write_plan(final: Path, request, result, data: dict, path: Path, tiles: str) -> None:
    """Write a day plan (or re-plan) as the output ``final`` (at ``path`` for now): the plan,
    its stops, its route sheets or its map, by suffix."""
    from api import map_page
    from api.outputs import write_route_sheets, write_stops_csv

    suffix = final.suffix.lower()
    if suffix == ".json":
        write(_matrices_beside(result, final, path).model_dump_json(indent=2), path)
    elif suffix == ".csv":
        write_stops_csv(request, data, path)
    elif suffix == ".xlsx":
        write_route_sheets(request, data, path)
    else:
        path.write_text(map_page.render(request, data, tile_url=tiles), encoding="utf-8")


# A plan keeps its request, for re-planning: travel matrices above this many locations go
# into .npy files beside the plan's JSON rather than into it.
_MATRIX_INLINE_UP_TO = 200


def _matrices_beside(result, final: Path, path: Path):
    """``result`` with the large travel matrix of its request saved beside ``final`` and named
    in the JSON (``fieldplan replan`` reads it from there)."""
    from api.schemas.matrix import save_beside

    request = result.request
    matrix = None if request is None else request.travel.matrix
    if (matrix is None or isinstance(matrix.durations, str)
            or len(matrix.durations) <= _MATRIX_INLINE_UP_TO):
        return result
    names = {name: save_beside(final, path, name, getattr(matrix, name))
             for name in ("durations", "distances") if getattr(matrix, name) is not None}
    travel = request.travel.model_copy(update={"matrix": matrix.model_copy(update=names)})
    return result.model_copy(update={"request": request.model_copy(update={"travel": travel})})


def _write_allocation(suffix: str, result, data: dict, path: Path) -> None:
    from api.outputs import write_allocation_csv, write_allocation_workbook

    if suffix == ".json":
        write(result.model_dump_json(indent=2), path)
    elif suffix == ".csv":
        write_allocation_csv(data, path)
    else:
        write_allocation_workbook(data, path)


def with_time_limit(request, seconds: float, source: Path):
    """``request`` with the time limit of ``--time-limit``, checked as if the request gave it."""
    from pydantic import ValidationError

    try:
        options = type(request.options).model_validate(
            {**request.options.model_dump(), "time_limit_seconds": seconds})
    except ValidationError as exc:
        bad_option([{"field": "--time-limit", "reason": item["msg"]}
                    for item in exc.errors(include_url=False)])
    return request.model_copy(update={"options": options})


def _checked_plan(source: Path, request: Path | None, customers: Path | None,
                  collectors: Path | None, day: str | None, terms: DayTerms,
                  time_limit: float | None, geocoding=None) -> runs.DayPlan:
    """The day plan of the JSON request or of the two tables, checked, its customers given by
    address located by ``geocoding``; exits on bad input."""
    from api import runs
    from api.day_tables import day_request
    from api.locate import locate
    from api.schemas.matrix import FILES
    from api.schemas.plan import PlanRequest
    from api.tables import read_table

    if request is not None and terms.roads:
        bad_option([{"field": "--roads", "reason": "with tables only: a JSON request says its "
                                                   "own travel (travel.provider)"}])
    with input_errors(source), geo.finder(geocoding) as find:
        if request is not None:
            parsed = PlanRequest.model_validate(read_json(request, matrices="request"),
                                                context={FILES: request.parent})
            if find is not None:
                parsed = locate(parsed, find)
        elif customers is not None and collectors is not None and day is not None:
            try:
                terms = replace(terms, day=date.fromisoformat(day))
            except ValueError:
                bad_option([{"field": "--date", "reason": "give a date as YYYY-MM-DD"}])
            parsed = day_request(read_table(collectors, "collectors"),
                                 read_table(customers, "cases", find), None, terms)
        else:
            bad_input(source, [{"field": "(input)", "reason": "give REQUEST.json, or "
                                "--customers, --collectors and --date"}])
        if parsed.case_file:
            bad_input(source, [{"field": "case_file", "reason": "only the HTTP service keeps a "
                                "case file; give each customer's history instead"}])
        runs.refuse_empty("customers", parsed.customers)
        if time_limit is not None:
            parsed = with_time_limit(parsed, time_limit, source)
        return runs.check_plan(parsed)


def _checked_allocation(source: Path, request: Path | None, cases: Path | None,
                        collectors: Path | None, policy: Path | None,
                        time_limit: float | None, geocoding=None) -> runs.Allocation:
    """The allocation of the JSON request or of the two tables (their cases given by address
    located by ``geocoding``), checked; exits on bad input."""
    from api import runs
    from api.locate import locate
    from api.schemas.allocation import AllocationRequest
    from api.tables import allocation_rows, located_rows, read_table

    unlocated = []
    with input_errors(source), geo.finder(geocoding) as find:
        if request is not None:
            body = read_json(request)
        elif cases is not None and collectors is not None:
            located, unlocated = located_rows(read_table(cases, "cases", find))
            body = {"cases": allocation_rows(located),
                    "collectors": allocation_rows(read_table(collectors, "collectors"))}
            if policy is not None:
                extra = read_json(policy)
                body.update(extra if isinstance(extra, dict) else {"policy": extra})
        else:
            bad_input(source, [{"field": "(input)", "reason": "give REQUEST.json, or --cases "
                                                               "and --collectors"}])
        parsed = AllocationRequest.model_validate(body)
        if find is not None:
            parsed = locate(parsed, find)
        runs.refuse_empty("cases", parsed.cases)
        if time_limit is not None:
            parsed = with_time_limit(parsed, time_limit, source)
        job = runs.check_allocation(parsed)
        return replace(job, unlocated=job.unlocated + tuple(unlocated))


def solve_and_write(what: str, limit: float, started: float, quiet: bool,
                     solve: Callable[[runs.Progress], Any], write_one: Callable,
                     outputs: list[Path]):
    """Solve with a status line showing progress, then write every output, all or none (JSON
    on standard output when none is named); ``write_one(result, data, path, part)`` writes the
    output of ``path`` at ``part``."""
    line = ProgressLine(what, limit, started)
    with err.status(line, spinner="dots") as status:
        if quiet:
            status.stop()
        result = solve(line.heard)
        if not outputs:
            write(result.model_dump_json(indent=2), None)
        # The writers take the request apart; its matrices are never made lists here.
        data = result.model_dump(mode="json", exclude={"request"})
        status.update("writing " + ", ".join(map(str, outputs)))
        write_all(outputs, lambda path, part: write_one(result, data, path, part))
    return result
