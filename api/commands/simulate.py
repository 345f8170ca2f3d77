"""``fieldplan simulate``: the collection loop on a generated city, against a team without it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import QuietOpt, bad_option, err


def simulate(
    out: Annotated[Path, typer.Option(help="folder for report.json, report.html and the visit "
                                           "logs")],
    days: Annotated[int, typer.Option(min=1, max=120, help="days to simulate")] = 20,
    cases: Annotated[int, typer.Option(min=10, max=20_000, help="cases in the book")] = 400,
    collectors: Annotated[int, typer.Option(min=1, max=200, help="collectors")] = 8,
    profile: Annotated[str, typer.Option(help="how debtors behave: standard or evening")
                       ] = "standard",
    seed: Annotated[int, typer.Option(help="the city and every random draw")] = 1,
    plan_seconds: Annotated[float, typer.Option(min=0.1, max=600, help=(
        "time limit of each night's day plan (the allocation gets a third)"))] = 5.0,
    start: Annotated[str, typer.Option(help="the first day, YYYY-MM-DD")] = "2026-12-07",
    quiet: QuietOpt = False,
) -> None:
    """Run the loop for DAYS on a generated city: every night allocate and plan
    from each case's history, every day draw each visit's outcome from the
    debtors' hidden propensities and fold it back. Beside it, on the same
    debtors and draws, a team without Fieldplan (each collector visits their own
    cases by days past due, nearest next, no history rules). Rule violations are
    recomputed from each visit log alone.

    Example:

    fieldplan simulate --days 20 --out month/
    """
    from api import simulate as loop
    from api.simulate_report import render
    from simulation import PROFILES

    if profile not in PROFILES:
        bad_option([{"field": "--profile", "reason": "use " + " or ".join(PROFILES)}])
    try:
        first = date.fromisoformat(start)
    except ValueError:
        bad_option([{"field": "--start", "reason": "give a date as YYYY-MM-DD"}])
    with err.status("simulating", spinner="dots") as status:
        if quiet:
            status.stop()
        report = loop.run(days, cases, collectors, PROFILES[profile], seed, plan_seconds, first,
                          lambda k, day: status.update(f"simulating day {k + 1}/{days} ({day})"))
    out.mkdir(parents=True, exist_ok=True)
    for name in ("fieldplan", "baseline"):
        (out / f"visits_{name}.json").write_text(json.dumps(report.pop(f"{name}_log"), indent=1),
                                                 encoding="utf-8")
    (out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (out / "report.html").write_text(render(report), encoding="utf-8")
    if not quiet:
        ours, theirs = report["fieldplan"], report["baseline"]
        uplift = "n/a" if report["uplift"] is None else f"{100 * report['uplift']:+.1f}%"
        err.print(f"recovered per collector-day: Fieldplan "
                  f"{ours['recovered_per_collector_day']:,.2f}, without "
                  f"{theirs['recovered_per_collector_day']:,.2f} ({uplift}); violations "
                  f"{ours['violations']} / {theirs['violations']}; promises checked on their "
                  f"due day {ours['checked_on_due_day']}/{ours['promises_due']}; written to {out}")
