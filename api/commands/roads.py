"""``fieldplan roads build``: a road network from an OpenStreetMap extract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import QuietOpt, bad_input, bad_option, err

roads_app = typer.Typer(help="Road networks from OpenStreetMap extracts.", no_args_is_help=True)


@roads_app.command("build")
def build(
    extract: Annotated[Path, typer.Argument(help="an OpenStreetMap extract (.osm.pbf)")],
    out: Annotated[Path, typer.Option(help="the network file to write (e.g. CITY.roads)")],
    rush_hours: Annotated[list[str] | None, typer.Option(
        help="hours when traffic is slower, FROM-TO=FACTOR of free-flow speed, e.g. "
             "17-19=0.6 (repeat for several)")] = None,
    rush_profiles: Annotated[str, typer.Option(
        help="who the rush hours slow, comma-separated")] = "drive",
    quiet: QuietOpt = False,
) -> None:
    """Build the road network of a city from its OpenStreetMap extract: roads
    by class and speed, one-way streets, for a car (drive), an electric
    two-wheeler (two_wheeler) and on foot (walk), and optionally the rush
    hours that slow them: a day is then timed at the slowest hour its shifts
    cover (or at the request's travel.hour).

    Extracts of every city: download.geofabrik.de or extract.bbbike.org.

    Examples:

      fieldplan roads build shanghai.osm.pbf --out shanghai.roads
      fieldplan roads build shanghai.osm.pbf --out shanghai.roads \\
          --rush-hours 7-9=0.6 --rush-hours 17-19=0.5

    Exit codes: 0 built, 1 internal error, 2 not an extract, or no roads.
    """
    from roads import RoadsError, network, rush

    try:
        slowed = rush.parse(rush_hours or [], rush_profiles.split(","))
    except RoadsError as exc:
        bad_option([{"field": f"--{exc.field.replace('_', '-')}", "reason": exc.reason}])
    try:
        built = network.build(extract, slowed)
    except RoadsError as exc:
        bad_input(extract, [{"field": exc.field, "reason": exc.reason}],
                  what="OpenStreetMap extract")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    network.save(built, partial)
    partial.replace(out)
    if not quiet:
        err.print(f"{out}: {len(built.lat):,} road nodes; "
                  + ", ".join(f"{name} {len(edges.tails):,} road segments"
                              for name, edges in built.edges.items()), highlight=False)
        slow = [h for h in range(24) if built.rush.factors[h] < 1]
        if slow:
            err.print("rush hours (" + ", ".join(built.rush.profiles) + "): "
                      + ", ".join(f"{h:02d}:00 at {built.rush.factors[h]:g}" for h in slow),
                      highlight=False)
