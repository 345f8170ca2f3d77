"""``fieldplan plan-week``: several days planned at once."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from api.commands import clock
from api.commands import geocode as geo
from api.commands.common import (
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
)
from api.commands.solve import solve_and_write, with_time_limit
from api.defaults import TILE_URL

WeekOutputs = outputs_option("the week plan", ".json, .xlsx (the week and a sheet per day), "
                             ".html (a map per day, and this page linking them)")


def plan_week(
    request: Annotated[Path | None, typer.Argument(help="week-plan request (JSON)")] = None,
    output: WeekOutputs = None,
    customers: CustomersTableOpt = None,
    collectors: CollectorsTableOpt = None,
    first: Annotated[str | None, typer.Option("--from", help="with tables: the first day, "
                                              "YYYY-MM-DD")] = None,
    days: Annotated[int, typer.Option(help="with tables: how many days (1 to 7)")] = 5,
    timezone: TimezoneOpt = "Asia/Shanghai",
    legal_hours: LegalHoursOpt = "china",
    rest_days: RestDaysOpt = 0,
    roads: RoadsOpt = None,
    profile: ProfileOpt = "drive",
    time_limit: TimeLimitOpt = None,
    tiles: Annotated[str, typer.Option(envvar="FIELDPLAN_TILE_URL", help="map tile URL "
                                       "template of the .html maps")] = TILE_URL,
    addresses: geo.AddressesOpt = None,
    geocoder: geo.GeocoderOpt = None,
    setting: geo.SettingOpt = None,
    min_delay: geo.MinDelayOpt = 1.0,
    quiet: QuietOpt = False,
) -> None:
    """Plan several days (1 to 7) at once: each customer on the day that suits
    them, promises and appointments on their day, rest counted across the days,
    value earlier in the week worth a little more. Customers given by address
    alone are located from --addresses or --geocoder.

    From tables, every day has the shifts and visit windows of the tables;
    collectors' days_off (dates or weekdays) are left out and a case's due_on
    is the one day of its visit.

    Examples:

      fieldplan plan-week examples/week_request.json -o week.json \\
          -o week.xlsx
      fieldplan plan-week --customers cases.xlsx --collectors collectors.xlsx \\
          --from 2026-12-07 --days 5 -o week.xlsx -o week.html

    Exit codes: 0 planned, 1 internal error, 2 bad input, 3 planned but a
    mandatory visit is missing.
    """
    import routing
    from api import runs
    from api.day_tables import DayTerms
    from api.schemas.plan_out import missed
    from api.week_outputs import write_week_maps, write_week_workbook

    outputs = output or []
    writers = {
        ".json": lambda req, res, data, path, part: write(res.model_dump_json(indent=2), part),
        ".xlsx": lambda req, res, data, path, part: write_week_workbook(req, data, part),
        ".html": lambda req, res, data, path, part: write_week_maps(req, data, path, tiles,
                                                                   index=part),
    }
    check_outputs(outputs, writers)
    routing.warm_up()
    started = clock.started()  # start-up counts: the limit is the command's
    source = request or customers or Path("(no input)")
    terms = DayTerms(day=date.min, timezone=timezone, legal_hours=legal_hours,
                     min_rest_days=rest_days, time_limit=10.0 * days,  # from tables
                     roads=use_roads(roads), profile=profile)
    with input_errors(source), geo.finder(geo.geocoding_of(addresses, geocoder, setting,
                                                    min_delay)) as find:
        parsed = _week(source, request, customers, collectors, first, days, terms, find)
        runs.refuse_empty("customers", parsed.customers)
        if time_limit is not None:
            parsed = with_time_limit(parsed, time_limit, source)
        job = runs.check_week(parsed)
    result = solve_and_write(
        f"planning {len(parsed.customers)} customers over {len(parsed.days)} days",
        job.context.week.problem.options.time_limit, started, quiet,
        lambda progress: runs.plan_week(
            job, started=started, progress=progress,
            reserve=clock.writing_seconds(outputs, len(parsed.customers))),
        lambda res, data, path, part: writers[path.suffix.lower()](parsed, res, data, path, part),
        outputs)
    if not quiet:
        s = result.summary
        err.print(f"[bold]{result.status}[/]: {s.visits} visits over {s.days} days "
                  f"({', '.join(map(str, s.visits_per_day))}), objective {s.objective:,.2f}, "
                  f"{len(result.unassigned)} not planned", highlight=False)
    exit_if_missed(missed(result.unassigned))


def _week(source: Path, request: Path | None, customers: Path | None,
          collectors: Path | None, first: str | None, days: int, terms, find):
    """The week of the JSON request or of the two tables, its customers given by address
    located by ``find``; exits on bad input."""
    from api.locate import locate
    from api.schemas.week import MAX_DAYS, WeekRequest
    from api.tables import read_table
    from api.week_tables import week_request

    if request is not None:
        if terms.roads:
            bad_option([{"field": "--roads", "reason": "with tables only: a JSON request says "
                                                       "its own travel (travel.provider)"}])
        parsed = WeekRequest.model_validate(read_json(request))
        return parsed if find is None else locate(parsed, find)
    if customers is None or collectors is None or first is None:
        bad_input(source, [{"field": "(input)", "reason": "give REQUEST.json, or --customers, "
                            "--collectors and --from"}])
    if not 1 <= days <= MAX_DAYS:
        bad_option([{"field": "--days", "reason": f"give 1 to {MAX_DAYS} days"}])
    try:
        start = date.fromisoformat(first)
    except ValueError:
        bad_option([{"field": "--from", "reason": "give a date as YYYY-MM-DD"}])
    return week_request(read_table(collectors, "collectors"),
                        read_table(customers, "cases", find), terms,
                        [start + timedelta(k) for k in range(days)])
