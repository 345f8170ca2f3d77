"""The command line's own help: a version, and help text whose lines (examples above all)
are never wrapped in an 80-column terminal, so that a command pastes as it is shown."""

from __future__ import annotations

import inspect
from importlib.metadata import version

from typer.testing import CliRunner

from api.cli import app


def _callbacks(typer_app):
    for info in typer_app.registered_commands:
        yield info.callback
    for group in typer_app.registered_groups:
        yield from _callbacks(group.typer_instance)


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"fieldplan {version('fieldplan')}"


def test_every_help_line_fits_an_80_column_terminal():
    long = [(fn.__name__, line) for fn in _callbacks(app)
            for line in inspect.cleandoc(fn.__doc__ or "").splitlines() if len(line) > 76]
    assert long == []


def test_every_command_lists_its_exit_codes_with_the_internal_error():
    for fn in _callbacks(app):
        doc = " ".join((fn.__doc__ or "").split())
        if "Exit codes:" in doc:
            assert "1 internal error" in doc, fn.__name__


def test_help_shows_examples_whole(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    shown = CliRunner().invoke(app, ["plan", "--help"]).stdout
    lines = [line.strip() for line in shown.splitlines()]
    assert "fieldplan plan --customers customers.xlsx --collectors collectors.xlsx \\" in lines
    assert "--date 2026-12-01 -o routes.xlsx -o map.html" in lines


def test_help_loads_no_solver_and_no_request_model():
    """`fieldplan --help` (and a command's help) imports neither the engines nor numba,
    OR-Tools or numpy, nor the database or the spreadsheets: the commands load them when they
    run. (Pydantic itself may load: the command-line library uses it to render help.)"""
    import subprocess
    import sys

    probe = ("import sys\n"
             "from typer.testing import CliRunner\n"
             "from api.cli import app\n"
             "for args in (['--help'], ['plan', '--help'], ['bench', '--help']):\n"
             "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
             "heavy = {'routing', 'allocation', 'verify', 'numba', 'ortools', 'numpy',\n"
             "         'sqlalchemy', 'openpyxl', 'httpx'}\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & heavy\n"
             "             | {m for m in sys.modules if m.startswith('api.schemas')}))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == "[]", done.stdout
