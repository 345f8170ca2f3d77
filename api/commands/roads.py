"""``fieldplan roads build``: a road network from an OpenStreetMap extract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import QuietOpt, bad_input, err

roads_app = typer.Typer(help="Road networks from OpenStreetMap extracts.", no_args_is_help=True)


@roads_app.command("build")
def build(
    extract: Annotated[Path, typer.Argument(help="an OpenStreetMap extract (.osm.pbf)")],
    out: Annotated[Path, typer.Option(help="the network file to write (e.g. CITY.roads)")],
    quiet: QuietOpt = False,
) -> None:
    """Build the road network of a city from its OpenStreetMap extract: roads
    by class and speed, one-way streets, for a car (drive), an electric
    two-wheeler (two_wheeler) and on foot (walk).

    Extracts of every city: download.geofabrik.de or extract.bbbike.org.

    Example:

      fieldplan roads build shanghai.osm.pbf --out shanghai.roads

    Exit codes: 0 built, 1 internal error, 2 not an extract, or no roads.
    """
    from roads import RoadsError, network

    try:
        built = network.build(extract)
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
