"""What every command shares: the error console, exit codes, reading and writing files."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from api.errors import describe_invalid_problem, describe_validation_error
from api.tables import TableError
from common.errors import InvalidInput

err = Console(stderr=True)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_MANDATORY_MISSED = 0, 1, 2, 3

# Options several commands take, spelled once.
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")]
CollectorsTableOpt = Annotated[Path | None, typer.Option(
    "--collectors", help="collectors table, .csv or .xlsx")]


def outputs_option(what: str, suffixes: str):
    """The ``-o/--output`` option of a command that writes ``what``, by suffix."""
    return Annotated[list[Path] | None, typer.Option(
        "-o", "--output", help=f"where to write {what}, by suffix: {suffixes}; repeat for "
        "several; default: JSON on standard output")]


TimeLimitOpt = Annotated[float | None, typer.Option(
    "--time-limit", help="override the request's options.time_limit_seconds")]


def write(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output``, or to standard output."""
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")


def write_or_fail(writer, path: Path) -> None:
    """Run ``writer(path)``; a file that cannot be written ends the command with exit 1 and
    the reason (the solve is lost, so say so plainly)."""
    try:
        writer(path)
    except OSError as exc:
        err.print(f"[red]error[/]: cannot write {path}: {exc.strerror or exc}", highlight=False)
        raise typer.Exit(EXIT_INTERNAL) from None


def read_json(path: Path):
    """The JSON in ``path``; a missing or malformed file is bad input (exit 2)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        bad_input(path, [{"field": "(file)", "reason": "no such file"}])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        bad_input(path, [{"field": "(file)", "reason": f"not valid JSON: {exc}"}])


def bad_input(path: Path, problems: list[dict[str, str]]):
    """Print every problem as ``field: reason`` and exit with 2."""
    err.print(f"[red]error[/]: {path} is not a valid request:", highlight=False)
    for p in problems:
        err.print(f"  {p['field']}: {p['reason']}", highlight=False, markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def input_errors(source: Path) -> Iterator[None]:
    """Bad input met in the block (a request, a table row, an engine invariant) ends the
    command with exit 2, naming each field and the reason."""
    try:
        yield
    except ValidationError as exc:
        bad_input(source, describe_validation_error(exc))
    except InvalidInput as exc:
        bad_input(source, describe_invalid_problem(exc))
    except TableError as exc:  # a bad row, or a batch the case file refuses
        bad_input(source, exc.problems)
