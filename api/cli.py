"""The ``fieldplan`` command."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from allocation import solve as allocate
from allocation.exceptions import InvalidAllocation
from api import map_page
from api.errors import describe_invalid_problem, describe_validation_error
from api.map_page import OSM_TILES
from api.outputs import (write_allocation_csv, write_allocation_workbook, write_route_sheets,
                         write_stops_csv)
from api.schemas.allocation import (
    AllocationRequest,
    AllocationResponse,
    to_allocation_problem,
    warnings_for,
)
from api.schemas.plan import PlanRequest, PlanResponse, to_problem
from api.tables import TableError, allocation_rows, read_table
from benchmarks.cli import bench_app
from routing import solve
from routing.exceptions import InvalidProblem

app = typer.Typer(help="Plan the field visits of a collection team.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
app.add_typer(bench_app, name="bench")
err = Console(stderr=True)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_MANDATORY_MISSED = 0, 1, 2, 3


@app.callback()
def main() -> None:
    """Plan the field visits of a collection team."""


@app.command()
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
        _bad_input(source, [{"field": "--output", "reason": f"{', '.join(unknown)}: use a .json, "
                                                            ".csv, .xlsx or .html file"}])
    started = time.monotonic()
    if request is not None:
        body = _read_json(request)
    elif customers is not None and collectors is not None and day is not None:
        body = _plan_from_tables(customers, collectors, day, timezone, legal_hours, rest_days)
    else:
        _bad_input(source, [{"field": "(input)", "reason": "give REQUEST.json, or --customers, "
                                                           "--collectors and --date"}])
    if time_limit is not None and isinstance(body, dict):
        body.setdefault("options", {})["time_limit_seconds"] = time_limit
    try:
        parsed = PlanRequest.model_validate(body)
        problem, context = to_problem(parsed)
    except ValidationError as exc:
        _bad_input(source, describe_validation_error(exc))
    except InvalidProblem as exc:
        _bad_input(source, describe_invalid_problem(exc))
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
        result = PlanResponse.from_plan(solve(problem, started=started, on_solution=on_solution),
                                        context, parsed)
        if not outputs:
            _write(result.model_dump_json(indent=2), None)
        data = result.model_dump(mode="json")
        for path in outputs:
            status.update(f"writing {path}")
            PLAN_WRITERS[path.suffix.lower()](parsed, result, data, path, tiles)
    if not quiet:
        s = result.summary
        err.print(f"[bold]{result.status}[/]: {s.visits} visits by {len(result.routes)} collectors, "
                  f"value {s.value:,.2f}, travel {s.travel_seconds / 3600:.1f} h, "
                  f"{len(result.unassigned)} not planned"
                  + (f"; written to {', '.join(map(str, outputs))}" if outputs else ""))
    if result.status == "mandatory_missed":
        raise typer.Exit(EXIT_MANDATORY_MISSED)


@app.command()
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
    started = time.monotonic()
    source = request or cases or Path("(no input)")
    outputs = output or []
    unknown = [str(p) for p in outputs if p.suffix.lower() not in ALLOCATION_WRITERS]
    if unknown:
        _bad_input(source, [{"field": "--output", "reason": f"{', '.join(unknown)}: use a .json, "
                                                            ".csv or .xlsx file"}])
    if request is not None:
        body = _read_json(request)
    elif cases is not None and collectors is not None:
        try:
            body = {"cases": allocation_rows(read_table(cases, "cases")),
                    "collectors": allocation_rows(read_table(collectors, "collectors"))}
        except TableError as exc:
            _bad_input(source, exc.problems)
        if policy is not None:
            extra = _read_json(policy)
            body.update(extra if isinstance(extra, dict) else {"policy": extra})
    else:
        _bad_input(source, [{"field": "(input)", "reason": "give REQUEST.json, or --cases and "
                                                           "--collectors"}])
    if time_limit is not None and isinstance(body, dict):
        body.setdefault("options", {})["time_limit_seconds"] = time_limit
    try:
        parsed = AllocationRequest.model_validate(body)
        problem = to_allocation_problem(parsed)
    except ValidationError as exc:
        _bad_input(source, describe_validation_error(exc))
    except InvalidAllocation as exc:
        _bad_input(source, describe_invalid_problem(exc))
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
            allocate(problem, started=started, on_progress=on_progress), warnings)
        if not outputs:
            _write(result.model_dump_json(indent=2), None)
        data = result.model_dump(mode="json")
        for path in outputs:
            status.update(f"writing {path}")
            ALLOCATION_WRITERS[path.suffix.lower()](result, data, path)
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


@app.command()
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
                                       "template")] = OSM_TILES,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")] = False,
    json_logs: Annotated[bool, typer.Option("--json-logs", help="one JSON line per event on "
                                            "standard error (for cron and log collectors)")
                         ] = False,
) -> None:
    """The whole nightly job: allocate the cases, then plan the day of every collector, region
    by region (a collector's first region). Rerunning after a crash resumes: finished regions
    are not planned again.

    Example: fieldplan nightly cases.csv collectors.csv --date 2026-12-01 --out nightly/

    Exit codes: 0 done, 1 internal error, 2 bad input, 3 done but a mandatory case or visit is
    missing.
    """
    from datetime import date as Date

    from api import nightly as job

    try:
        parsed_day = Date.fromisoformat(day)
    except ValueError:
        _bad_input(Path(day), [{"field": "--date", "reason": "give a date as YYYY-MM-DD"}])
    extra = _read_json(policy) if policy is not None else {}
    options = job.NightlyOptions(
        day=parsed_day, timezone=timezone, policy=extra if isinstance(extra, dict) else {},
        allocation_seconds=allocation_seconds, plan_seconds=plan_seconds,
        legal_hours=legal_hours, min_rest_days=rest_days, tile_url=tiles)
    result = _run_nightly(job, cases, collectors, out, options, quiet=quiet, json_logs=json_logs)
    if result.mandatory_missed:
        raise typer.Exit(EXIT_MANDATORY_MISSED)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="folder for the generated city and every result")
                   ] = Path("fieldplan-demo"),
    cases: Annotated[int, typer.Option(help="overdue cases to generate")] = 2400,
    seconds: Annotated[float, typer.Option(help="time limit of the allocation and of each "
                                           "region's day plan")] = 10.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")] = False,
) -> None:
    """Generate a city (40 collectors in 4 districts, a few thousand overdue cases, some
    evening-only, some with a promise to pay due), allocate the cases, plan tomorrow's visits,
    and write everything (tables, route sheets, maps) into one folder.

    Example: fieldplan demo --out fieldplan-demo
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


def _plan_from_tables(customers: Path, collectors: Path, day: str, timezone: str,
                      legal_hours: str, rest_days: int) -> dict:
    from datetime import date as Date

    from api import nightly as job

    try:
        parsed_day = Date.fromisoformat(day)
    except ValueError:
        _bad_input(Path(day), [{"field": "--date", "reason": "give a date as YYYY-MM-DD"}])
    try:
        rows = read_table(customers, "cases")
        members = read_table(collectors, "collectors")
    except TableError as exc:
        _bad_input(customers, exc.problems)
    options = job.NightlyOptions(day=parsed_day, timezone=timezone, legal_hours=legal_hours,
                                 min_rest_days=rest_days)
    return job.region_request(members, rows, None, options)


def _run_nightly(job, cases: Path, collectors: Path, out: Path, options, *, quiet: bool,
                 json_logs: bool):
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
        with progress:
            result = job.run(cases, collectors, out, options, events)
    except TableError as exc:
        _bad_input(cases, exc.problems)
    except ValidationError as exc:
        _bad_input(cases, describe_validation_error(exc))
    except (InvalidProblem, InvalidAllocation) as exc:
        _bad_input(cases, describe_invalid_problem(exc))
    if not quiet:
        err.print(f"[bold]{result.allocation_status}[/]: {result.allocated}/{result.cases} cases "
                  f"allocated; written to {out}" + (" (resumed)" if result.resumed else ""))
        for name, r in result.regions.items():
            note = " (done before)" if r.skipped else ""
            err.print(f"  {name}: {r.visits} visits by {r.collectors} collectors from "
                      f"{r.customers} cases, value {r.value:,.0f}, "
                      f"{r.mandatory_missed} mandatory missed{note}", highlight=False)
    return result


keys_app = typer.Typer(help="API keys of the HTTP service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="server processes (each runs "
                                         "FIELDPLAN_CONCURRENT_SOLVES solves)")] = 1,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="accept requests without an API "
                                          "key (a local demo; 127.0.0.1 only)")] = False,
) -> None:
    """Run the HTTP service (OpenAPI docs at /docs). Settings: FIELDPLAN_* variables.

    Example: fieldplan keys create --tenant branch-north && fieldplan serve --port 8000
    """
    import logging
    import os

    import uvicorn

    from api.config import Settings

    if no_auth:
        if host not in _LOOPBACK:
            err.print(f"[red]error[/]: --no-auth is only allowed on 127.0.0.1, not on {host}")
            raise typer.Exit(EXIT_BAD_INPUT)
        os.environ["FIELDPLAN_AUTH"] = "false"
        err.print("[bold red]WARNING: API keys are OFF. Anyone who can reach "
                  f"http://{host}:{port} acts as tenant 'local'. Demo use only.[/]")
    settings = Settings()
    if not settings.auth and host not in _LOOPBACK:
        err.print(f"[red]error[/]: FIELDPLAN_AUTH=false is only allowed on 127.0.0.1, not {host}")
        raise typer.Exit(EXIT_BAD_INPUT)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info")


def _database():
    from api.config import Settings
    from api.db import connect, migrate

    engine = connect(Settings().database_url)
    migrate(engine)
    return engine


@keys_app.command("create")
def keys_create(tenant: Annotated[str, typer.Option(help="the branch or team the key acts for")]
                ) -> None:
    """Create an API key. The key is printed once, as the last line; only its digest is kept."""
    from api import keys

    if not tenant.strip() or len(tenant) > 128:
        err.print("[red]error[/]: --tenant must be 1 to 128 characters")
        raise typer.Exit(EXIT_BAD_INPUT)
    key_id, key = keys.create(_database(), tenant.strip())
    err.print(f"key {key_id} created for tenant {tenant!r}; store it now, it is not shown again:",
              highlight=False)
    sys.stdout.write(key + "\n")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="the key's id (or the key)")]) -> None:
    """Revoke an API key: requests with it get 401 from now on."""
    from api import keys

    if not keys.revoke(_database(), key_id):
        err.print(f"[red]error[/]: no active key {key_id!r}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    err.print(f"key {key_id} revoked", highlight=False)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys: id, tenant, created, revoked (never the keys themselves)."""
    from api import keys

    for key in keys.listing(_database()):
        revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        sys.stdout.write(f"{key.id}\t{key.tenant}\t{key.created_at:%Y-%m-%d %H:%M}\t{revoked}\n")


PLAN_WRITERS = {
    ".json": lambda req, res, data, path, tiles: _write(res.model_dump_json(indent=2), path),
    ".csv": lambda req, res, data, path, tiles: write_stops_csv(req, data, path),
    ".xlsx": lambda req, res, data, path, tiles: write_route_sheets(req, data, path),
    ".html": lambda req, res, data, path, tiles: path.write_text(
        map_page.render(req, data, tile_url=tiles), encoding="utf-8"),
}


ALLOCATION_WRITERS = {
    ".json": lambda res, data, path: _write(res.model_dump_json(indent=2), path),
    ".csv": lambda res, data, path: write_allocation_csv(data, path),
    ".xlsx": lambda res, data, path: write_allocation_workbook(data, path),
}


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _bad_input(path, [{"field": "(file)", "reason": "no such file"}])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        _bad_input(path, [{"field": "(file)", "reason": f"not valid JSON: {exc}"}])


def _bad_input(path: Path, problems: list[dict[str, str]]):
    err.print(f"[red]error[/]: {path} is not a valid request:", highlight=False)
    for p in problems:
        err.print(f"  {p['field']}: {p['reason']}", highlight=False, markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


if __name__ == "__main__":  # pragma: no cover
    app()
