"""``fieldplan replan``: the rest of a day that has begun."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from api.commands import clock
from api.commands import geocode as geo
from api.commands.common import (
    QuietOpt,
    TimeLimitOpt,
    bad_input,
    check_outputs,
    err,
    exit_if_missed,
    input_errors,
    read_json,
)
from api.commands.solve import PLAN_OUTPUTS, PlanOutputs, solve_and_write, write_plan
from api.defaults import TILE_URL


def replan(
    plan: Annotated[Path, typer.Argument(help="the day's plan (JSON written by fieldplan plan "
                                         "or replan)")],
    events: Annotated[Path, typer.Argument(help="what happened since (JSON)")],
    output: PlanOutputs = None,
    time_limit: TimeLimitOpt = None,
    tiles: Annotated[str, typer.Option(envvar="FIELDPLAN_TILE_URL", help="map tile URL "
                                       "template of the .html map")] = TILE_URL,
    addresses: geo.AddressesOpt = None,
    geocoder: geo.GeocoderOpt = None,
    setting: geo.SettingOpt = None,
    min_delay: geo.MinDelayOpt = 1.0,
    quiet: QuietOpt = False,
) -> None:
    """Re-plan the rest of a day: visits done stay, each collector goes on from
    where they are, and visits move to another collector only where that gains
    more than the threshold. Customers added by address alone are located from
    --addresses or --geocoder.

    Example:

      fieldplan replan plan.json events.json -o plan2.json -o routes2.xlsx

    Exit codes: 0 re-planned, 1 internal error, 2 bad input, 3 re-planned but a
    mandatory visit is missing.
    """
    import routing
    from api import runs
    from api.locate import locate, unplaced
    from api.schemas.matrix import FILES
    from api.schemas.plan_out import PlanResponse, missed
    from api.schemas.replan import EventsIn

    outputs = output or []
    check_outputs(outputs, PLAN_OUTPUTS)
    routing.warm_up()
    started = clock.started()  # start-up counts: the limit is the command's
    with input_errors(plan):
        previous = PlanResponse.model_validate(read_json(plan, matrices="plan"),
                                               context={FILES: plan.parent})
        if previous.request is None:
            bad_input(plan, [{"field": "request", "reason": "the plan carries no request: "
                              "re-plan a plan file written by fieldplan plan or replan"}])
    with input_errors(events), geo.finder(geo.geocoding_of(addresses, geocoder, setting,
                                                   min_delay)) as find:
        happened = EventsIn.model_validate(read_json(events))
        if find is not None:
            happened = locate(happened, find, field="added")
        waiting = unplaced(happened.added)
        if waiting:
            bad_input(events, [{"field": f"added[{k}].location", "reason": "no location: give "
                                "lat and lon, or --addresses or --geocoder to locate the "
                                "address"} for k in waiting])
        if time_limit is not None:
            options = happened.options or previous.request.options
            happened = happened.model_copy(update={"options": options.model_validate(
                {**options.model_dump(), "time_limit_seconds": time_limit})})
        job = runs.check_replan(previous.request, previous, happened)
    reported = sum(d.outcome is not None for d in happened.done)
    if reported:
        err.print(f"[yellow]warning[/]: {reported} outcomes of visits done are not recorded "
                  "here; record them with fieldplan outcomes import, or re-plan through the "
                  "HTTP service, which keeps the case file", highlight=False)
    request = job.request
    result = solve_and_write(
        f"re-planning {len(request.customers)} customers for {len(request.collectors)} "
        "collectors", job.problem.options.time_limit, started, quiet,
        lambda progress: runs.replan(
            job, started=started, progress=progress,
            reserve=clock.writing_seconds(outputs, len(request.customers))),
        lambda res, data, path, part: write_plan(path, request, res, data, part, tiles),
        outputs)
    if not quiet:
        affected = Counter(c.collector_id for c in result.changes)
        err.print(f"[bold]{result.status}[/]: {result.summary.visits} visits, "
                  f"{len(result.changes)} changes for {len(affected)} collectors"
                  + "".join(f"\n  {who}: {n}" for who, n in sorted(affected.items())),
                  highlight=False)
    exit_if_missed(missed(result.unassigned))

