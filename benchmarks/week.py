"""Generated weeks, and the week plan against planning the days one after another."""

from __future__ import annotations

import resource
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(width=160)
MONDAY = date(2026, 12, 7)


def collection_week(num_customers: int, num_collectors: int, *, days: int = 5, seed: int = 0,
                    time_limit: float = 60.0, shares: tuple[float, float] = (0.45, 0.8)
                    ) -> dict:
    """A week-plan request from a generated day (:func:`collection_day`): every collector works
    the same shift each day, a quarter of them with one day off; 45% of the customers may be
    met on any day, 35% on two days of the week and 20% on one (shift workers); follow-ups
    fall due on a given day."""
    import numpy as np

    from benchmarks.generator import collection_day

    rng = np.random.default_rng(seed + 1000)
    base = collection_day(num_customers, num_collectors, seed=seed, day=MONDAY)
    labels = [MONDAY + timedelta(k) for k in range(days)]

    def moved(text: str, k: int) -> str:
        return (datetime.fromisoformat(text) + timedelta(days=k)).isoformat()

    collectors = []
    for c in base["collectors"]:
        off = int(rng.integers(days)) if rng.random() < 0.25 and days > 1 else -1
        shifts = []
        for k, label in enumerate(labels):
            if k == off:
                continue
            shift = {"date": label.isoformat(), "shift": {
                "start": moved(c["shift"]["start"], k), "end": moved(c["shift"]["end"], k)}}
            if c.get("lunch_break"):
                b = c["lunch_break"]
                shift["lunch_break"] = {"earliest_start": moved(b["earliest_start"], k),
                                        "latest_end": moved(b["latest_end"], k),
                                        "duration_seconds": b["duration_seconds"]}
            shifts.append(shift)
        rest = {key: v for key, v in c.items() if key not in ("shift", "lunch_break")}
        collectors.append({**rest, "shifts": shifts})
    customers = []
    for c in base["customers"]:
        draw = rng.random()
        count = days if draw < shares[0] else min(days, 2 if draw < shares[1] else 1)
        open_days = sorted(rng.choice(days, size=count, replace=False).tolist())
        own = c.get("time_windows") or [{"start": f"{MONDAY}T08:00:00+08:00",
                                         "end": f"{MONDAY}T22:00:00+08:00"}]
        windows = [{"start": moved(w["start"], k), "end": moved(w["end"], k)}
                   for k in open_days for w in own]
        customer = {**c, "time_windows": windows}
        if customer.pop("mandatory", False):
            customer["due_on"] = labels[open_days[int(rng.integers(len(open_days)))]].isoformat()
        customers.append(customer)
    return {"days": [d.isoformat() for d in labels], "timezone": base["timezone"],
            "collectors": collectors, "customers": customers,
            "policy": {**base["policy"], "discount_per_day": 0.01},
            "options": {"time_limit_seconds": time_limit}}


def one_day_at_a_time(body: dict, seconds: float) -> dict:
    """The days planned one after another with the same rules, each with its share of the
    time: a customer visited on a day is not offered again."""
    from api import runs
    from api.schemas.week import WeekRequest, day_request

    request = WeekRequest.model_validate(body)
    visited: set[str] = set()
    discount = request.policy.discount_per_day
    earned = travel_cost = 0.0
    plans = {}
    share = seconds / len(request.days)
    for k, label in enumerate(request.days):
        rest = request.model_copy(update={
            "customers": [c for c in request.customers if c.id not in visited],
            "options": request.options.model_copy(update={"time_limit_seconds": share})})
        day = day_request(rest, label)
        if day is None:
            continue
        plan = runs.plan(runs.check_plan(day))
        visited |= {s.customer_id for r in plan.routes for s in r.steps if s.customer_id}
        earned += plan.summary.value * (1 - discount) ** k
        travel_cost += plan.summary.travel_cost
        plans[label.isoformat()] = plan.model_dump(mode="json")
    return {"objective": round(earned - travel_cost, 2), "visits": len(visited), "plans": plans}


def value_bound(week) -> float:
    """An upper bound of the value a week plan can earn (discounted, before travel), with
    geography set aside: the best choice of a day for each customer (or none) under each
    day's visit caps, as a linear programme (its optimum is whole: a transportation problem).
    A customer may take a day on which some collector could make the visit but for travel;
    a mandatory customer takes their day."""
    from ortools.linear_solver import pywraplp

    from api.schemas.common import MONEY_SCALE
    from routing.week import SEPARATOR

    problem = week.problem
    labels = [day.label for day in week.days]
    room, share = [0] * len(labels), [1.0] * len(labels)
    routes: list[list] = [[] for _ in labels]
    for c in problem.collectors:  # each collector-day route with that day's share of value
        k = labels.index(c.id.rsplit(SEPARATOR, 1)[1])
        room[k] += len(problem.customers) if c.max_visits is None else c.max_visits
        share[k] = c.value_factor
        routes[k].append(c)

    def days_of(customer) -> list[int]:
        """The days on which a collector of that day could make the visit but for travel:
        skills, crew, allowed collectors, and a window that meets their shift."""
        return [k for k in range(len(labels)) if any(
            customer.required_skills <= c.skills
            and (c.crew_size >= 2 or not customer.needs_two_person)
            and (customer.allowed_collectors is None or c.id in customer.allowed_collectors)
            and any(min(w.end, c.shift_end) - max(w.start, c.shift_start)
                    >= customer.service_duration for w in customer.time_windows)
            for c in routes[k])]

    solver = pywraplp.Solver.CreateSolver("GLOP")
    rows = [solver.Constraint(0, 0) for _ in labels]
    objective = solver.Objective()
    objective.SetMaximization()
    forced = 0.0
    for customer in problem.customers:
        days = days_of(customer)
        if not days:
            continue
        if customer.mandatory:  # a week allows a mandatory customer one day
            room[days[0]] -= 1
            forced += customer.value * share[days[0]]
            continue
        once = solver.Constraint(0, 1)
        for k in days:
            x = solver.NumVar(0, 1, "")
            once.SetCoefficient(x, 1)
            rows[k].SetCoefficient(x, 1)
            objective.SetCoefficient(x, customer.value * share[k])
    for row, r in zip(rows, room, strict=True):
        row.SetUb(max(0, r))
    solver.Solve()
    return (forced + objective.Value()) / MONEY_SCALE


def week(
    customers: Annotated[int, typer.Option(help="customers of the week (a generated size: 300, "
                                                "1500)")] = 1500,
    collectors: Annotated[int, typer.Option(help="collectors")] = 20,
    days: Annotated[int, typer.Option(help="days of the week plan")] = 5,
    seconds: Annotated[float, typer.Option(help="time for the whole week (the days one after "
                                                "another share it)")] = 60.0,
    seeds: Annotated[list[int] | None, typer.Option("--seed", help="weeks (repeat)")] = None,
    baseline: Annotated[bool, typer.Option(help="also plan the days one after another")] = True,
    out: Annotated[str | None, typer.Option(help="append JSON lines here")] = None,
) -> None:
    """Generated weeks planned whole against one day at a time (same rules, same
    total time), both checked by the independent week checker; objective = value
    (discounted per day) minus travel cost. "bound" is the most value any week
    plan could earn with geography set aside (value_bound); "room" is how far
    above the value of one day at a time that bound lies."""
    from api import runs
    from api.schemas.week import WeekRequest
    from benchmarks.cli import _emit
    from verify.week import WeekChecker

    table = Table("week", "week plan: objective", "visits", "violations", "s", "peak MB",
                  "one day at a time: objective", "visits", "violations", "ratio",
                  "value: week plan", "one day at a time", "bound", "room")
    for seed in seeds or [0, 1, 2]:
        body = collection_week(customers, collectors, days=days, seed=seed, time_limit=seconds)
        started = time.monotonic()
        job = runs.check_week(WeekRequest.model_validate(body))
        plan = runs.plan_week(job, started=started).model_dump(mode="json")
        elapsed = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        checker = WeekChecker(body)
        bad = checker.check(plan)
        value, travel = checker.earned(plan)
        record = {"instance": f"week-{customers}x{collectors}x{days}-s{seed}",
                  "objective": plan["summary"]["objective"],
                  "checked_objective": round(value - travel, 2), "value": round(value, 2),
                  "value_bound": round(value_bound(job.context.week), 2),
                  "visits": plan["summary"]["visits"], "violations": len(bad),
                  "seconds": round(elapsed, 2), "peak_rss_mb": round(peak)}
        row = [record["instance"], f"{record['checked_objective']:,.0f}", str(record["visits"]),
               str(len(bad)), f"{elapsed:.1f}", f"{peak:.0f}"]
        tail = ["-"] * 4
        if baseline:
            seq = one_day_at_a_time(body, seconds)
            week_view = {"days": [{"date": d, "plan": p} for d, p in seq["plans"].items()],
                         "unassigned": []}
            seq_bad = checker.check(week_view, complete=False)
            seq_value, seq_travel = checker.earned(week_view)
            seq_objective = seq_value - seq_travel
            record |= {"sequential_objective": round(seq_objective, 2),
                       "sequential_value": round(seq_value, 2),
                       "sequential_visits": seq["visits"], "sequential_violations": len(seq_bad),
                       "ratio": round(record["checked_objective"] / seq_objective, 4),
                       "room": round(record["value_bound"] / seq_value, 4)}
            row += [f"{seq_objective:,.0f}", str(seq["visits"]), str(len(seq_bad)),
                    f"{record['ratio']:.4f}"]
            tail = [f"{seq_value:,.0f}", f"{record['value_bound']:,.0f}", f"{record['room']:.4f}"]
        else:
            row += ["-"] * 4
            tail = ["-", f"{record['value_bound']:,.0f}", "-"]
        _emit(Path(out) if out else None, record)
        table.add_row(*row, f"{value:,.0f}", *tail)
    console.print(table)
