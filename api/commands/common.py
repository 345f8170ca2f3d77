"""What every command shares: the error console, exit codes, reading and writing files.

Commands import the engines and the request models inside their functions, so that
``fieldplan --help`` loads no solver."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

# Soft wrap: an error line stays one line when stderr is a file or a pipe, so that scripts
# can read ``field: reason`` line by line.
err = Console(stderr=True, soft_wrap=True)

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_MANDATORY_MISSED = 0, 1, 2, 3

# Options several commands take, spelled once.
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")]
CollectorsTableOpt = Annotated[Path | None, typer.Option(
    "--collectors", help="collectors table, .csv or .xlsx")]
CustomersTableOpt = Annotated[Path | None, typer.Option(
    "--customers", help="customers table, .csv or .xlsx (the cases layout; instead of a JSON "
    "request)")]
TimezoneOpt = Annotated[str, typer.Option(help="with tables: IANA time zone")]
LegalHoursOpt = Annotated[str, typer.Option(help="with tables: china or us_fdcpa")]
RestDaysOpt = Annotated[int, typer.Option(help="with tables: days a visited customer rests")]


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


def check_outputs(outputs: list[Path], writers: dict) -> None:
    """Refuse, before any work, an output with no writer for its suffix or that cannot be
    written (a missing folder, a directory, no permission, the same file twice)."""
    problems, seen = [], set()
    for path in outputs:
        name, where = str(path), path.resolve()
        if path.suffix.lower() not in writers:
            *first, last = writers
            problems.append(f"{name}: use a {', '.join(first)} or {last} file")
        elif where in seen:
            problems.append(f"{name}: given twice")
        elif path.is_dir():
            problems.append(f"{name}: is a folder; give a file name")
        elif not path.parent.is_dir():
            problems.append(f"{name}: the folder {path.parent} does not exist")
        elif not os.access(path.parent, os.W_OK | os.X_OK) or (
                path.exists() and not os.access(path, os.W_OK)):
            problems.append(f"{name}: cannot be written (permission denied)")
        seen.add(where)
    if problems:
        bad_option([{"field": "--output", "reason": reason} for reason in problems])


def write_all(outputs: list[Path], write_one: Callable[[Path], None]) -> None:
    """Write every output, all or none: each is written beside its place under a temporary
    name and moved there only when all are written. A failure (the disk full, a file taken
    away since the check) ends the command with exit 1 and the reason, and leaves no output."""
    parts = []
    try:
        for path in outputs:
            part = path.with_name(f".{path.stem}.{os.getpid()}.part{path.suffix}")
            parts.append(part)
            write_one(path, part)
    except OSError as exc:
        for part in parts:
            part.unlink(missing_ok=True)
        err.print(f"[red]error[/]: cannot write {path}: {exc.strerror or exc}; nothing written",
                  highlight=False)
        raise typer.Exit(EXIT_INTERNAL) from None
    for path, part in zip(outputs, parts, strict=True):
        os.replace(part, path)


def read_json(path: Path, *, matrices: str | None = None):
    """The JSON in ``path`` (UTF-8, with or without a byte-order mark); a file that is
    missing, unreadable, not UTF-8, not JSON or nested too deeply is bad input (exit 2).
    ``matrices="request"`` (a day-plan request) or ``"plan"`` (a plan, which carries its
    request): an inline travel matrix is read straight into an array."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        bad_input(path, [{"field": "(file)", "reason": "no such file"}])
    except IsADirectoryError:
        bad_input(path, [{"field": "(file)", "reason": "is a folder; give a JSON file"}])
    except OSError as exc:
        bad_input(path, [{"field": "(file)", "reason": f"cannot be read: {exc.strerror or exc}"}])
    try:
        if matrices is None:
            return json.loads(raw.decode("utf-8-sig"))
        from api.schemas.matrix import parse_with_matrices

        return parse_with_matrices(raw, in_request=matrices == "plan")
    except UnicodeDecodeError:
        from api.tables import not_utf8

        bad_input(path, [{"field": "(file)", "reason": not_utf8(raw)}])
    except json.JSONDecodeError as exc:
        bad_input(path, [{"field": "(file)", "reason": f"not valid JSON: {exc}"}])
    except RecursionError:
        bad_input(path, [{"field": "(file)", "reason": "nested too deeply to be a request"}])
    except ValueError as exc:  # a malformed matrix: "travel.matrix.durations: reason"
        field, _, reason = str(exc).partition(": ")
        bad_input(path, [{"field": field, "reason": reason}])


def exit_if_missed(missed: list[tuple[str, str]]) -> None:
    """Print each mandatory visit or case left out, ``who: why``, and exit with 3 if any."""
    for who, why in missed:
        err.print(f"[red]mandatory missed[/]: {who}: {why}", highlight=False)
    if missed:
        raise typer.Exit(EXIT_MANDATORY_MISSED)


def bad_option(problems: list[dict[str, str]]):
    """Print every problem of the command line as ``option: reason`` and exit with 2."""
    err.print("[red]error[/]: the command line is not valid:", highlight=False)
    for p in problems:
        err.print(f"  {p['field']}: {p['reason']}", highlight=False, markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def bad_input(path: Path, problems: list[dict[str, str]], what: str | None = None):
    """Print every problem as ``field: reason`` and exit with 2. ``what`` the file should be:
    by default a table (.csv, .xlsx) or a request."""
    what = what or ("table" if path.suffix.lower() in (".csv", ".xlsx") else "request")
    err.print(f"[red]error[/]: {path} is not a valid {what}:", highlight=False)
    for p in problems:
        err.print(f"  {p['field']}: {p['reason']}", highlight=False, markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def input_errors(source: Path) -> Iterator[None]:
    """Bad input met in the block (a request, a table row, an engine invariant) ends the
    command with exit 2, naming each field and the reason."""
    from pydantic import ValidationError

    from api.errors import describe_invalid_problem, describe_validation_error
    from api.tables import TableError
    from common.errors import InvalidInput

    try:
        yield
    except ValidationError as exc:
        bad_input(source, describe_validation_error(exc))
    except InvalidInput as exc:
        bad_input(source, describe_invalid_problem(exc))
    except TableError as exc:  # a bad row, or a batch the case file refuses
        bad_input(source, exc.problems)


RoadsOpt = Annotated[Path | None, typer.Option(
    "--roads", help="time travel on this road network (built by fieldplan roads build) "
    "instead of straight lines")]
ProfileOpt = Annotated[str, typer.Option(help="with --roads: drive, two_wheeler or walk")]


def use_roads(roads: Path | None) -> str | None:
    """The network's name, its folder made the place networks are looked up
    (FIELDPLAN_ROADS_DIR, for this process and those it starts); exit 2 if it is not there."""
    if roads is None:
        return None
    if not roads.is_file():
        bad_option([{"field": "--roads", "reason": f"{roads} is not a file: build one with "
                                                   "fieldplan roads build"}])
    os.environ["FIELDPLAN_ROADS_DIR"] = str(roads.resolve().parent)
    return roads.name
