"""``fieldplan plan-week``: several days planned at once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands import clock
from api.commands import geocode as geo
from api.commands.common import (
    QuietOpt,
    TimeLimitOpt,
    check_outputs,
    err,
    exit_if_missed,
    input_errors,
    outputs_option,
    read_json,
    write,
)
from api.commands.solve import solve_and_write, with_time_limit
from api.defaults import TILE_URL

WeekOutputs = outputs_option("the week plan", ".json, .xlsx (the week and a sheet per day), "
                             ".html (a map per day, and this page linking them)")


def plan_week(
    request: Annotated[Path, typer.Argument(help="week-plan request (JSON)")],
    output: WeekOutputs = None,
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

    Example:

      fieldplan plan-week examples/week_request.json -o week.json \\
          -o week.xlsx

    Exit codes: 0 planned, 1 internal error, 2 bad input, 3 planned but a
    mandatory visit is missing.
    """
    import routing
    from api import runs
    from api.locate import locate
    from api.schemas.plan_out import missed
    from api.schemas.week import WeekRequest
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
    with input_errors(request), geo.finder(geo.geocoding_of(addresses, geocoder, setting,
                                                    min_delay)) as find:
        parsed = WeekRequest.model_validate(read_json(request))
        if find is not None:
            parsed = locate(parsed, find)
        runs.refuse_empty("customers", parsed.customers)
        if time_limit is not None:
            parsed = with_time_limit(parsed, time_limit, request)
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
