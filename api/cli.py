"""The ``fieldplan`` command: its commands live in ``api/commands/``."""

from __future__ import annotations

import typer

from api.commands import nightly, service, solve
from benchmarks.cli import bench_app

app = typer.Typer(help="Plan the field visits of a collection team.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)


@app.callback()
def main() -> None:
    """Plan the field visits of a collection team."""


for command in (solve.plan, solve.assign, nightly.nightly, nightly.demo, service.serve):
    app.command()(command)
app.add_typer(service.keys_app, name="keys")
app.add_typer(bench_app, name="bench")


if __name__ == "__main__":  # pragma: no cover
    app()
