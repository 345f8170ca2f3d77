"""Re-planning at 11:00 against planning the rest of the day afresh, side by side."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(width=160)


def morning_events(plan: dict, request: dict, *, at: datetime, late: int, urgent: int,
                   seed: int) -> dict:
    """What happened by ``at`` on the morning's ``plan``: every visit planned to end by then is
    done, ``late`` of them (the last of their routes) ran 20-40 minutes long; the busiest
    collector stops; ``urgent`` customers phone in (half mandatory with an afternoon window,
    half of high value any time), placed near planned customers."""
    import numpy as np

    rng = np.random.default_rng(seed)
    done, lasts = [], []
    for route in plan["routes"]:
        made = [s for s in route["steps"] if s["type"] == "visit"
                and datetime.fromisoformat(s["service_end"]) <= at]
        for s in made:
            done.append({"customer_id": s["customer_id"], "collector_id": route["collector_id"],
                         "arrival": s["arrival"], "service_start": s["service_start"],
                         "service_end": s["service_end"]})
        if made:
            lasts.append(len(done) - 1)
    for k in rng.choice(lasts, size=min(late, len(lasts)), replace=False):
        visit = done[k]
        longer = datetime.fromisoformat(visit["service_end"]) + timedelta(
            minutes=int(rng.integers(20, 41)))
        visit["service_end"] = min(longer, at).isoformat()
    busiest = max(plan["routes"], key=lambda r: r["visits"])["collector_id"]
    customers = request["customers"]
    afternoon = [{"start": at.replace(hour=14).isoformat(), "end": at.replace(hour=17).isoformat()}]
    added = []
    for k in range(urgent):
        near = customers[int(rng.integers(len(customers)))]["location"]
        added.append({
            "id": f"URGENT{k}", "location": {"lat": near["lat"] + float(rng.normal(0, 0.003)),
                                              "lon": near["lon"] + float(rng.normal(0, 0.003))},
            "value": float(rng.integers(2_000, 6_000)), "mandatory": k % 2 == 0,
            "service_seconds": 1200, **({"time_windows": afternoon} if k % 2 == 0 else {})})
    return {"at": at.isoformat(), "done": done, "stopped": [busiest], "added": added}


def replan(
    customers: Annotated[int, typer.Option(help="customers of the day (a generated size: 300, "
                                                "1500)")] = 1500,
    seconds: Annotated[float, typer.Option(help="time limit of the morning plan and of each "
                                                "re-plan")] = 10.0,
    seeds: Annotated[list[int] | None, typer.Option("--seed", help="days (repeat)")] = None,
    threshold: Annotated[float | None, typer.Option(help="the move threshold (money); default: "
                                                        "the service's")] = None,
    out: Annotated[str | None, typer.Option(help="append JSON lines here")] = None,
) -> None:
    """A generated day planned in the morning, then at 11:00 (visits done, 20 of
    them late, the busiest collector out, 10 urgent customers) re-planned two
    ways on the same budget: with the morning plan kept where it does not cost
    more than the move threshold, and afresh. Both plans are checked by the
    independent re-plan checker."""
    from pathlib import Path

    from api import runs
    from api.schemas.plan import PlanRequest
    from api.schemas.plan_out import PlanResponse
    from api.schemas.replan import EventsIn
    from benchmarks.cli import _emit
    from benchmarks.generator import SIZES, collection_day
    from verify.replan import ReplanChecker

    n, k = SIZES[str(customers)]
    table = Table("day", "re-plan: first plan s", "objective", "moved between collectors",
                  "violations", "afresh: objective", "moved", "violations", "value kept",
                  "moves ratio")
    for seed in seeds or [0, 1, 2]:
        body = collection_day(n, k, seed=seed, time_limit=seconds)
        request = PlanRequest.model_validate(body)
        morning = runs.plan(runs.check_plan(request)).model_dump(mode="json")
        at = datetime.fromisoformat(body["collectors"][0]["shift"]["start"]).replace(hour=11)
        events = morning_events(morning, body, at=at, late=20, urgent=10, seed=seed)
        results = {}
        for name, moving in (("kept", threshold), ("afresh", 0.0)):
            happened = dict(events) if moving is None else {**events, "move_threshold": moving}
            started = time.monotonic()
            job = runs.check_replan(request, PlanResponse.model_validate(morning),
                                    EventsIn.model_validate(happened))
            first: list[float] = []

            def progress(_p, first=first, started=started) -> None:
                if not first:
                    first.append(time.monotonic() - started)

            response = runs.replan(job, started=started, progress=progress)
            data = response.model_dump(mode="json")
            moved = sum(c["change"] == "moved_in" for c in data["changes"])
            rest = _rest_objective(data)
            violations = ReplanChecker(data["request"], morning, happened).check(data)
            results[name] = {"first_plan_seconds": round(first[0], 3) if first else None,
                             "seconds": round(time.monotonic() - started, 3),
                             "rest_objective": round(rest, 2), "moved": moved,
                             "violations": len(violations),
                             "mandatory_missed": sum(u["mandatory"] for u in data["unassigned"])}
        kept, afresh = results["kept"], results["afresh"]
        record = {"instance": f"replan-{n}x{k}-s{seed}", "seconds": seconds,
                  "move_threshold": threshold, **{
            f"{name}_{key}": value for name, r in results.items() for key, value in r.items()},
            "value_kept": round(kept["rest_objective"] / afresh["rest_objective"], 4),
            "moves_ratio": round(kept["moved"] / max(1, afresh["moved"]), 4),
            "events": {"done": len(events["done"]), "late": 20, "stopped": 1, "urgent": 10}}
        _emit(Path(out) if out else None, record)
        table.add_row(record["instance"], f"{kept['first_plan_seconds']:.2f}",
                      f"{kept['rest_objective']:,.0f}", str(kept["moved"]),
                      str(kept["violations"]), f"{afresh['rest_objective']:,.0f}",
                      str(afresh["moved"]), str(afresh["violations"]),
                      f"{100 * record['value_kept']:.2f}%", f"{record['moves_ratio']:.3f}")
    console.print(table)


def _rest_objective(data: dict) -> float:
    """Value minus travel cost of the planned (not yet made) part of the day."""
    request = data["request"]
    values = {c["id"]: c.get("value") if c.get("value") is not None
              else c["balance"] * c["probability_to_pay"] for c in request["customers"]}
    cost = request.get("policy", {}).get("travel_cost_per_hour", 30.0)
    total = 0.0
    for route in data["routes"]:
        for s in route["steps"]:
            if s["state"] != "planned":
                continue
            if s["type"] == "visit":
                total += values[s["customer_id"]]
            total -= s["travel_seconds"] * cost / 3600
    return total
