"""``fieldplan outcomes import``: fold visit outcomes into the case file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from api.commands.common import QuietOpt, err, input_errors

outcomes_app = typer.Typer(help="Visit outcomes in the case file (FIELDPLAN_DATABASE_URL).",
                           no_args_is_help=True)


@outcomes_app.command("import")
def import_outcomes(
    file: Annotated[Path, typer.Argument(help="outcomes: .json, .csv or .xlsx (Chinese headers "
                                              "and outcome names accepted)")],
    tenant: Annotated[str, typer.Option(help="whose case file (the service's tenant; 'local' "
                                             "is the command line's)")] = "local",
    timezone: Annotated[str, typer.Option(help="IANA time zone of visit times without an "
                                               "offset")] = "Asia/Shanghai",
    quiet: QuietOpt = False,
) -> None:
    """Record visit outcomes in the case file, all of them or none: every bad row
    is named (file:row:column) and nothing is kept. Outcomes must name cases and
    collectors that a plan (or `fieldplan nightly --case-file`) entered for the
    tenant.

    Example:

    fieldplan outcomes import 拜访结果.xlsx

    Exit codes: 0 recorded, 1 internal error, 2 bad input.
    """
    from api.config import Settings
    from api.db.case_file import record
    from api.db.engine import connect, migrate
    from api.outcome_tables import read_outcomes

    now = datetime.now(UTC)
    engine = connect(Settings().database_url)
    try:
        migrate(engine)
        with input_errors(file):
            outcomes = read_outcomes(file, ZoneInfo(timezone), now)
            recorded = record(engine, tenant, [(f"{file.name}:{o.id}", o.customer, o)
                                               for o in outcomes], now=now)
    finally:
        engine.dispose()
    if not quiet:
        err.print(f"{recorded.added} outcomes recorded, {recorded.unchanged} already there")
