"""The ``fieldplan`` command: its commands live in ``api/commands/``; other packages add theirs
through the ``fieldplan.commands`` entry point (``fieldplan bench`` from ``benchmarks``)."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Annotated

import typer

from api.commands import (
    geocode,
    nightly,
    outcomes,
    replan,
    roads,
    service,
    simulate,
    solve,
    week,
)

app = typer.Typer(help="Plan the field visits of a collection team.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"fieldplan {version('fieldplan')}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="print the version and exit")
        ] = False) -> None:
    """Plan the field visits of a collection team."""


for command in (solve.plan, replan.replan, solve.assign, nightly.nightly, nightly.demo,
                simulate.simulate, service.serve):
    app.command()(command)
app.command("plan-week")(week.plan_week)
app.add_typer(service.keys_app, name="keys")
app.add_typer(outcomes.outcomes_app, name="outcomes")
app.add_typer(roads.roads_app, name="roads")
app.command("geocode")(geocode.geocode)
for plugin in entry_points(group="fieldplan.commands"):
    app.add_typer(plugin.load(), name=plugin.name)


if __name__ == "__main__":  # pragma: no cover
    app()
