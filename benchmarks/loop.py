"""Benchmarks of the collection loop: the follow-up policy over a national book, and outcomes
reported to a local ``fieldplan serve``."""

from __future__ import annotations

import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(width=160)
OutOpt = Annotated[Path | None, typer.Option("--out", help="append JSON lines here")]


def history(cases: int, visits: int, day: date, seed: int) -> list:
    """``visits`` random visits over ``cases`` customers in the 120 days before ``day``: mostly
    nobody at home, the rest any outcome (a paid-in-full one in ten times as rare)."""
    from followup import Outcome, Visit

    rng = random.Random(seed)
    outcomes = list(Outcome)
    found = []
    for k in range(visits):
        when = day - timedelta(rng.randrange(1, 120))
        outcome = rng.choice(outcomes) if rng.random() < 0.4 else Outcome.NOT_HOME
        if outcome is Outcome.PAID_FULL and rng.random() < 0.9:
            outcome = Outcome.REFUSED
        amount = 10_000 if outcome in (Outcome.PAID_PARTIAL, Outcome.PROMISE_TO_PAY,
                                       Outcome.PAID_FULL) else 0
        due = when + timedelta(rng.randrange(0, 7)) if outcome is Outcome.PROMISE_TO_PAY else None
        found.append(Visit(f"v{k}", f"K{rng.randrange(cases)}", f"C{rng.randrange(cases // 100)}",
                           when, rng.randrange(8 * 60, 21 * 60), outcome, amount, due))
    return found


def followup(
    cases: Annotated[int, typer.Option(help="customers in the book")] = 100_000,
    visits: Annotated[int, typer.Option(help="past visits over them")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="random seed of the history")] = 0,
    out: OutOpt = None,
) -> None:
    """The follow-up policy applied to a whole book for one day: seconds to decide
    every customer (the history already in memory) and the process's peak
    memory."""
    from benchmarks.cli import _emit
    from followup import Hold, decide_all

    day = date(2026, 12, 7)
    started = time.perf_counter()
    book = history(cases, visits, day, seed)
    built = time.perf_counter() - started
    started = time.perf_counter()
    decisions = decide_all(book, day, customers=(f"K{k}" for k in range(cases)))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    held = sum(d.hold is not None for d in decisions.values())
    mandatory = sum(d.mandatory for d in decisions.values())
    record = {"instance": f"followup-{cases}x{visits}", "cases": cases, "visits": visits,
              "build_seconds": round(built, 3), "decide_seconds": round(seconds, 3),
              "peak_mb": round(peak), "held": held, "mandatory": mandatory,
              "holds": {h.value: sum(d.hold is h for d in decisions.values()) for h in Hold}}
    _emit(out, record)
    table = Table("cases", "visits", "history built s", "decided s", "held", "mandatory",
                  "peak MB")
    table.add_row(f"{cases:,}", f"{visits:,}", f"{built:.1f}", f"{seconds:.2f}", f"{held:,}",
                  f"{mandatory:,}", f"{peak:.0f}")
    console.print(table)


def outcomes(
    batch: Annotated[int, typer.Option(help="outcomes per POST /v1/outcomes")] = 10_000,
    repeats: Annotated[int, typer.Option(help="batches (new visit ids each time)")] = 3,
    out: OutOpt = None,
) -> None:
    """POST /v1/outcomes to a local `fieldplan serve` on SQLite: seconds per batch
    (median and worst), every batch new, then one batch sent again (all
    unchanged)."""
    import httpx

    from api.db.case_file import register
    from api.db.engine import connect
    from benchmarks.cli import _emit
    from benchmarks.load_api import _server

    cases = max(1, batch // 5)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder, _server(Path(folder), 1, 10) as (base, key):
        engine = connect(f"sqlite:///{folder}/load.db")
        register(engine, "load", (f"K{k}" for k in range(cases)),
                 (f"C{k}" for k in range(100)), now=now)
        engine.dispose()
        times, answers = [], []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"},
                          timeout=600) as client:
            bodies = [_batch(batch, cases, r, now) for r in range(repeats)]
            for body in [*bodies, bodies[0]]:
                started = time.perf_counter()
                answer = client.post("/v1/outcomes", json=body)
                times.append(time.perf_counter() - started)
                answers.append(answer.json() if answer.status_code == 200 else answer.text)
    new, again = times[:-1], times[-1]
    record = {"instance": f"outcomes-{batch}", "batch": batch, "repeats": repeats,
              "median_seconds": round(statistics.median(new), 3),
              "worst_seconds": round(max(new), 3), "resent_seconds": round(again, 3),
              "answers": answers}
    _emit(out, record)
    table = Table("outcomes per batch", "batches", "median s", "worst s", "sent again s",
                  "last answer")
    table.add_row(f"{batch:,}", str(repeats), f"{record['median_seconds']:.2f}",
                  f"{record['worst_seconds']:.2f}", f"{again:.2f}", str(answers[-1]))
    console.print(table)


def _batch(size: int, cases: int, round_: int, now: datetime) -> dict:
    rng = random.Random(round_)
    names = ["not_home", "refused", "promise_to_pay", "paid_partial", "third_party_contact"]
    items = []
    for k in range(size):
        outcome = rng.choice(names)
        when = now - timedelta(hours=rng.randrange(1, 240))
        item = {"id": f"r{round_}-{k}", "customer": f"K{rng.randrange(cases)}",
                "collector": f"C{rng.randrange(100)}", "visited_at": when.isoformat(),
                "outcome": outcome}
        if outcome in ("promise_to_pay", "paid_partial"):
            item["amount"] = 100.0
        if outcome == "promise_to_pay":
            item["promised_for"] = (when.date() + timedelta(3)).isoformat()
        items.append(item)
    return {"outcomes": items}


def month(
    seeds: Annotated[list[int] | None, typer.Option("--seed", help="cities (repeat)")] = None,
    profiles: Annotated[list[str] | None, typer.Option("--profile", help=(
        "debtor profiles (repeat): standard, evening"))] = None,
    days: Annotated[int, typer.Option(help="days per run")] = 20,
    cases: Annotated[int, typer.Option(help="cases per city")] = 400,
    collectors: Annotated[int, typer.Option(help="collectors per city")] = 8,
    plan_seconds: Annotated[float, typer.Option(help="each night's day-plan time limit")] = 5.0,
    out: OutOpt = None,
) -> None:
    """The simulated month (`fieldplan simulate`) for each city and profile:
    recovery per collector-day of Fieldplan and of a team without it, on the
    same debtors and draws, with rule violations recomputed from each visit log."""
    from api.simulate import run
    from benchmarks.cli import _emit
    from simulation import PROFILES

    table = Table("seed", "profile", "Fieldplan / collector-day", "without", "uplift",
                  "violations (ours / theirs)", "promises checked on due day",
                  "broken followed up", "complaints (ours / theirs)")
    for profile in profiles or ["standard", "evening"]:
        for seed in seeds or [1, 2, 3]:
            report = run(days, cases, collectors, PROFILES[profile], seed, plan_seconds,
                         date(2026, 12, 7))
            ours, theirs = report["fieldplan"], report["baseline"]
            record = {"instance": f"month-{profile}-{seed}",
                      **{k: v for k, v in report.items() if not k.endswith("_log")}}
            _emit(out, record)
            table.add_row(str(seed), profile, f"{ours['recovered_per_collector_day']:,.0f}",
                          f"{theirs['recovered_per_collector_day']:,.0f}",
                          f"{100 * report['uplift']:+.1f}%",
                          f"{ours['violations']} / {theirs['violations']}",
                          f"{ours['checked_on_due_day']}/{ours['promises_due']}",
                          f"{ours['broken_followed_up']}/{ours['broken']}",
                          f"{ours['complaints']} / {theirs['complaints']}")
    console.print(table)
