"""``fieldplan nightly`` and ``fieldplan demo``: the whole night, with progress bars."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from api.commands import geocode as geo
from api.commands.common import (
    ProfileOpt,
    QuietOpt,
    RoadsOpt,
    bad_input,
    bad_option,
    err,
    exit_if_missed,
    input_errors,
    read_json,
    use_roads,
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
    workers: Annotated[int | None, typer.Option(
        min=1, max=256, help="spread the night over N worker processes on this machine (a "
        "Dask cluster started and stopped by the run)")] = None,
    cluster: Annotated[str | None, typer.Option(
        envvar="FIELDPLAN_DASK_SCHEDULER", help="run the night on a running Dask cluster: its "
        "scheduler's address, e.g. tcp://10.0.0.5:8786")] = None,
    deterministic: Annotated[bool, typer.Option(
        "--deterministic", help="the same results for the same inputs on any machine, "
        "in-process or on a cluster (searches stop on work done, not on the clock; the time "
        "limits only stop a runaway search, with a warning)")] = False,
    roads: RoadsOpt = None,
    profile: ProfileOpt = "drive",
    addresses: geo.AddressesOpt = None,
    geocoder: geo.GeocoderOpt = None,
    setting: geo.SettingOpt = None,
    min_delay: geo.MinDelayOpt = 1.0,
    fresh: Annotated[bool, typer.Option("--fresh", help="start over in a folder that holds "
                                        "another night's results (they are replaced)")
                     ] = False,
    quiet: QuietOpt = False,
    json_logs: Annotated[bool, typer.Option("--json-logs", help="one JSON line per event on "
                                            "standard error (for cron and log collectors)")
                         ] = False,
) -> None:
    """The whole nightly job: allocate the cases, then plan every collector's day.

    Cases are allocated per group of regions that share collectors, and day
    plans are made region by region (a collector's first region), in this
    process or spread over a Dask cluster (--workers, --cluster). Rerunning
    after a crash resumes: allocations and regions that are done are not done
    again, whichever way the first run ran. Cases given by address alone are
    located from --addresses or --geocoder (as fieldplan geocode does); a case
    whose address is not found is reported unallocated with that reason.

    Example:

      fieldplan nightly cases.csv collectors.csv --date 2026-12-01 \\
          --out nightly/ --workers 2

    Exit codes: 0 done, 1 internal error, 2 bad input (or a cluster that
    cannot run the night), 3 done but a mandatory case or visit is missing.
    """
    from datetime import date as Date

    from api.config import Settings
    from api.night import job

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
        outcomes=outcomes, deterministic=deterministic, roads=use_roads(roads), profile=profile,
        geocoding=geo.geocoding_of(addresses, geocoder, setting, min_delay))
    if workers is not None and cluster is not None:
        bad_option([{"field": "--workers", "reason": "give --workers or --cluster, not both"}])
    result = _run_nightly(job, cases, collectors, out, options, quiet=quiet, json_logs=json_logs,
                          strict=strict, fresh=fresh, workers=workers, cluster=cluster)
    exit_if_missed(_missed(result))


def demo(
    out: Annotated[Path, typer.Option(help="folder for the generated city and every result")
                   ] = Path("fieldplan-demo"),
    cases: Annotated[int | None, typer.Option(help="overdue cases to generate (default 2400; "
                                              "300 with --extract)")] = None,
    seconds: Annotated[float, typer.Option(help="time limit of each region's day plan (the "
                                           "allocation has twice as long)")] = 5.0,
    extract: Annotated[Path | None, typer.Option(help=(
        "instead: the city of this OpenStreetMap extract (.osm.pbf), its cases given by "
        "street address and located from the extract, the days timed on its roads"))] = None,
    profile: Annotated[str, typer.Option(help="with --extract: drive, two_wheeler or walk")
                       ] = "two_wheeler",
    timezone: Annotated[str, typer.Option(help="with --extract: the city's IANA time zone")
                        ] = "Asia/Shanghai",
    quiet: QuietOpt = False,
) -> None:
    """Generate a city, allocate its cases, plan tomorrow, and write every result.

    The city: 40 collectors in 4 districts, a few thousand overdue cases in
    buckets, some evening-only, some with a promise to pay due. Everything
    (tables, route sheets, maps) is written into one folder. With --extract,
    the city is a real one: cases at the extract's own street addresses (a
    few at streets it does not know, left out with that reason), located
    while planning, and every day timed on its roads.

    Examples:

      fieldplan demo --out fieldplan-demo
      fieldplan demo --extract helsinki.osm.pbf --timezone Europe/Helsinki \\
          --out demo-helsinki

    Exit codes: 0 done, 1 internal error, 2 bad input, 3 done but a mandatory
    case or visit is missing (each is listed with the reason).
    """
    from datetime import date as Date

    from api import demo as city
    from api.night import job

    day = Date(2026, 12, 1)
    # A fair team: an hour of workload outside 10% of the mean costs 500, at most a fifth of
    # the owned cases change hands, and a bonus for keeping the customer's collector.
    policy = {"policy": {"max_distance_km": 20, "continuity_bonus": 50,
                         "balance_tolerance": 0.1, "balance_cost_per_hour": 500,
                         "max_reassignment_share": 0.2}}
    options = job.NightlyOptions(day=day, policy=policy, allocation_seconds=2 * seconds,
                                 plan_seconds=seconds, min_rest_days=2)
    if extract is None:
        cases_path, collectors_path = city.city(out / "input", cases=cases or 2400,
                                                yesterday=Date(2026, 11, 30).isoformat())
    else:
        cases_path, collectors_path = _real_city(out / "input", extract, cases or 300, quiet)
        options = replace(options, timezone=timezone, profile=profile,
                          roads=use_roads(out / "input" / "city.roads"),
                          geocoding=geo.geocoding_of(extract, None, None, 1.0))
    result = _run_nightly(job, cases_path, collectors_path, out, options, quiet=quiet,
                          json_logs=False, fresh=True)
    if not quiet:
        first = next(iter(result.regions), None)
        err.print(f"\nInputs: {cases_path} and {collectors_path}")
        err.print(f"Allocation: {out / 'allocation.json'} and {out / 'allocation.csv'}")
        if first:
            stem = out / "plans" / first
            err.print(f"Day plans: {out / 'plans'}/ — e.g. open {stem.with_suffix('.html')} "
                      f"in a browser (map), {stem.with_suffix('.xlsx')} (route sheets)")
    exit_if_missed(_missed(result))


def _real_city(folder: Path, extract: Path, cases: int, quiet: bool) -> tuple[Path, Path]:
    """The cases and collectors of the extract's city, and its road network beside them
    (``city.roads``); exits 2 for a file that is not an extract or has too few addresses."""
    from api import demo as city
    from roads import RoadsError, network

    try:
        with err.status("reading the extract's addresses and roads", spinner="dots") as status:
            if quiet:
                status.stop()
            cases_path, collectors_path, count = city.city_on_roads(folder, extract,
                                                                    cases=cases)
            built = network.build(extract)
    except RoadsError as exc:
        bad_input(extract, [{"field": exc.field, "reason": exc.reason}],
                  what="OpenStreetMap extract")
    except ValueError as exc:
        bad_input(extract, [{"field": "addresses", "reason": str(exc)}],
                  what="OpenStreetMap extract")
    partial = folder / "city.roads.partial"
    network.save(built, partial)
    partial.replace(folder / "city.roads")
    if not quiet and count < cases:
        err.print(f"the extract knows {count} addresses: {count} cases", highlight=False)
    return cases_path, collectors_path


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
                 json_logs: bool, strict: bool = False, fresh: bool = False,
                 workers: int | None = None, cluster: str | None = None):
    from api.night.cluster import ClusterError, Dask
    from api.night.state import InputsChanged

    bars = _Bars(quiet=quiet, json_logs=json_logs)
    executor = None
    try:
        with input_errors(cases), geo.finder(options.geocoding) as find, bars.progress:
            if workers is not None or cluster is not None:
                executor = Dask.local(workers) if cluster is None else Dask.connect(cluster)
                bars.events("cluster", {"scheduler": executor.address,
                                        "workers": executor.workers(),
                                        "dashboard": executor.dashboard})
            result = job.run(cases, collectors, out, options, bars.events, strict=strict,
                             executor=executor, fresh=fresh, find=find)
    except job.StrictWarnings as exc:
        bad_input(cases, [{"field": "(warning, --strict)", "reason": w} for w in exc.warnings])
    except InputsChanged as exc:
        bad_option([{"field": "--out", "reason": str(exc)}])
    except ClusterError as exc:
        bad_option([{"field": "--cluster" if cluster else "--workers", "reason": str(exc)}])
    finally:
        if executor is not None:
            executor.close()
    if not quiet:
        err.print(f"[bold]{result.allocation_status}[/]: {result.allocated}/{result.cases} cases "
                  f"allocated; written to {out}" + (" (resumed)" if result.resumed else ""))
        for name, r in result.regions.items():
            note = " (done before)" if r.skipped else ""
            err.print(f"  {name}: {r.visits} visits by {r.collectors} collectors from "
                      f"{r.customers} cases, value {r.value:,.0f}, "
                      f"{r.mandatory_missed} mandatory missed{note}", highlight=False)
        for name, times in result.retries.items():
            err.print(f"  retried: {name} ({times}x, its worker was lost)", highlight=False)
    if json_logs:
        bars.events("done", {"retries": result.retries})
    return result


class _Bars:
    """The night's progress: bars for regions allocated and regions planned, or one JSON line
    per event."""

    def __init__(self, *, quiet: bool, json_logs: bool) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.json_logs, self.quiet = json_logs, quiet
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}"),
                                 TimeElapsedColumn(), console=err,
                                 disable=quiet or json_logs, transient=False)
        self.tasks: dict[str, int] = {}

    def events(self, kind: str, data: dict) -> None:
        if self.json_logs:
            sys.stderr.write(json.dumps({"event": kind, "at": round(time.time(), 3), **data})
                             + "\n")
            sys.stderr.flush()
        if kind == "cluster" and not (self.quiet or self.json_logs):
            err.print(f"Dask scheduler {data['scheduler']}, {data['workers']} workers; "
                      + (f"dashboard {data['dashboard']}" if data["dashboard"] else
                         "no dashboard (pip install 'fieldplan[dashboard]' for one)"),
                      highlight=False, markup=False)
        elif kind == "warning" and not (self.quiet or self.json_logs):
            err.print(f"[yellow]warning[/]: {data['warning']}", highlight=False)
        elif kind == "allocation_start":
            groups = data["groups"]
            self.tasks["allocation"] = self.progress.add_task(
                f"allocating {data['cases']} cases to {data['collectors']} collectors"
                + (f" in {groups} groups of regions" if groups > 1 else "")
                + f" (up to {data['seconds']:g} s of work)", total=groups)
        elif kind == "allocation":
            self.progress.advance(self.tasks["allocation"])
        elif kind == "plans_start":
            self.tasks["plans"] = self.progress.add_task("planning tomorrow, regions done",
                                                         total=data["regions"])
        elif kind == "region":
            self.progress.advance(self.tasks["plans"])
