"""``fieldplan bench``: solve public benchmark sets and generated collection days.

The solvers, instances and checkers load inside each command, so that ``fieldplan --help``
loads none of them.

Each run prints a table and writes one JSON line per instance:
``{"instance", "m", "routes", "objective", "seconds", ...}``.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

bench_app = typer.Typer(help="Measure plan quality and speed.", no_args_is_help=True)
console = Console(width=160)

DEFAULT_DATA = Path(os.environ.get("FIELDPLAN_BENCHMARKS",
                                   Path(__file__).resolve().parents[2] / "shared" / "benchmarks"))
DataOpt = Annotated[Path, typer.Option("--data", help="folder of the public benchmark sets "
                                       "(default: $FIELDPLAN_BENCHMARKS or ../shared/benchmarks)")]
NamesOpt = Annotated[list[str] | None, typer.Option("--instances", help="only these instances")]
SecondsOpt = Annotated[float, typer.Option("--seconds", help="time limit per instance")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="append JSON lines here")]


def _emit(out: Path | None, record: dict) -> None:
    if out is not None:
        with out.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def _routes(plan, problem, *, keep_empty: bool = False) -> list[list[str]]:
    """Customer ids per collector in the problem's order (only collectors who go out, unless
    ``keep_empty``)."""
    visits = {r.collector: [s.customer for s in r.steps if s.customer is not None]
              for r in plan.routes}
    return [visits.get(c.id, []) for c in problem.collectors
            if keep_empty or c.id in visits]


@bench_app.command()
def vrptw(
    data: DataOpt = DEFAULT_DATA,
    family: Annotated[str, typer.Option(help="solomon (100 customers) or gh200")] = "solomon",
    instances: NamesOpt = None,
    seconds: SecondsOpt = 10.0,
    out: OutOpt = None,
) -> None:
    """VRPTW, fixed fleet, total distance (DIMACS: distances truncated to 0.1)."""
    import routing
    from benchmarks import instances as inst

    table = Table("instance", "distance", "best known", "gap %", "routes", "served", "s")
    gaps = []
    for instance in inst.vrptw_instances(data, family, instances, seconds):
        started = time.monotonic()
        plan = routing.solve(instance.problem)
        elapsed = time.monotonic() - started
        routes = _routes(plan, instance.problem)
        numbers = [[int(c) for c in r] for r in routes if r]
        distance = inst.dimacs_distance(instance.problem.travel.distances, numbers) / 10
        served = sum(len(r) for r in numbers)
        complete = served == instance.problem.num_customers
        gap = 100 * (distance - instance.best_known) / instance.best_known if complete else None
        if gap is not None:
            gaps.append(gap)
        _emit(out, {"instance": instance.name, "m": len(numbers), "routes": numbers,
                    "objective": distance, "seconds": round(elapsed, 3), "complete": complete,
                    "best_known": instance.best_known, "gap_percent": gap})
        table.add_row(instance.name, f"{distance:.1f}", f"{instance.best_known:.1f}",
                      "-" if gap is None else f"{gap:.2f}", str(len(numbers)),
                      f"{served}/{instance.problem.num_customers}", f"{elapsed:.1f}")
    console.print(table)
    if gaps:
        console.print(f"mean gap {statistics.mean(gaps):.2f}%, median {statistics.median(gaps):.2f}%,"
                      f" worst {max(gaps):.2f}% over {len(gaps)} complete instances")


@bench_app.command()
def toptw(
    data: DataOpt = DEFAULT_DATA,
    instances: NamesOpt = None,
    m: Annotated[list[int] | None, typer.Option("--m", help="number of paths (1-4)")] = None,
    seconds: SecondsOpt = 10.0,
    out: OutOpt = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="instance sets")] = None,
) -> None:
    """TOPTW: maximise the collected score with m paths. Every plan is re-checked
    and scored from the instance file by the independent TOPTW checker
    (verify.toptw); a plan it finds infeasible scores 0."""
    import routing
    from benchmarks import instances as inst
    from verify.toptw import Infeasible, toptw_score

    best = inst.toptw_bks(data)
    ms = m or [1, 2, 3, 4]
    wanted = {n.lower() for n in instances} if instances else None
    table = Table("instance", "m", "score", "reference", "ratio %", "s")
    ratios = []
    refused = 0
    for folder in sets or inst.TOPTW_SETS:
        for path in sorted((data / "toptw/instances" / folder).glob("*.txt")):
            if wanted is not None and path.stem.lower() not in wanted:
                continue
            for paths in ms:
                problem, weight = inst.toptw_problem(path, paths, seconds=seconds)
                started = time.monotonic()
                plan = routing.solve(problem)
                elapsed = time.monotonic() - started
                routes = [[int(c) for c in r] for r in _routes(plan, problem)]
                try:
                    score, broken = toptw_score(path, routes, paths), None
                except Infeasible as e:
                    score, broken = 0, str(e)
                ref, optimal = best.get((path.stem.lower(), paths), (None, False))
                ratio = 100 * score / ref if ref else None
                if ratio is not None:
                    ratios.append(ratio)
                refused += broken is not None
                _emit(out, {"instance": path.stem, "m": paths, "routes": routes,
                            "objective": score, "engine_score": plan.summary.value // weight,
                            "infeasible": broken, "seconds": round(elapsed, 3),
                            "reference": ref, "reference_optimal": optimal})
                table.add_row(path.stem, str(paths), str(score), "-" if ref is None else f"{ref:g}",
                              "-" if ratio is None else f"{ratio:.1f}", f"{elapsed:.1f}")
    console.print(table)
    if ratios:
        console.print(f"mean score ratio {statistics.mean(ratios):.2f}% of the reference, median "
                      f"{statistics.median(ratios):.2f}%, worst {min(ratios):.2f}% "
                      f"over {len(ratios)} runs; {refused} plans refused by the checker")


@bench_app.command()
def gap(
    data: DataOpt = DEFAULT_DATA,
    instances: NamesOpt = None,
    seconds: SecondsOpt = 60.0,
    workers: Annotated[int, typer.Option(help="CP-SAT workers")] = 1,
    lns: Annotated[bool, typer.Option(help="large-neighbourhood search after the first CP-SAT "
                                      "run (the allocation engine's exact method)")] = True,
    out: OutOpt = None,
) -> None:
    """Generalized Assignment Problem (minimise cost), solved by the allocation
    engine's exact method (CP-SAT, then large-neighbourhood search); gap to the
    best-known value of ``gap/bks_gap.csv``."""
    from allocation import lns as neighbourhoods
    from allocation.model import solve_exact
    from benchmarks.gap import gap_table, read_gap

    table_rows = gap_table(data)
    names = instances or list(table_rows)
    table = Table("instance", "agents", "items", "cost", "best known", "gap %", "proven", "s")
    gaps, slow = [], 0
    for name in names:
        row = table_rows[name]
        instance = read_gap(data / "gap" / row["file"])
        started = time.monotonic()
        solver = neighbourhoods.solve if lns else solve_exact
        result = solver(instance.as_assignment(), time_limit=seconds, workers=workers)
        elapsed = time.monotonic() - started
        if (result.chosen < 0).any():
            table.add_row(name, row["agents"], row["items"], "-", row["best_min_cost"], "-",
                          result.status, f"{elapsed:.1f}")
            _emit(out, {"instance": name, "assignment": None, "objective": None,
                        "seconds": round(elapsed, 3), "status": result.status})
            continue
        assignment = [int(instance.as_assignment().agent[p]) for p in result.chosen]
        cost = instance.cost_of(assignment)
        best = float(row["best_min_cost"])
        g = 100 * (cost - best) / best
        gaps.append(g)
        slow += elapsed > 1.0
        _emit(out, {"instance": name, "assignment": assignment, "objective": cost,
                    "seconds": round(elapsed, 3), "status": result.status,
                    "best_known": best, "gap_percent": round(g, 4)})
        table.add_row(name, row["agents"], row["items"], str(cost), f"{best:g}", f"{g:.3f}",
                      result.status, f"{elapsed:.2f}")
    console.print(table)
    if gaps:
        console.print(f"mean gap {statistics.mean(gaps):.3f}%, worst {max(gaps):.3f}%, "
                      f"{sum(g <= 1e-9 for g in gaps)}/{len(gaps)} at the best-known value, "
                      f"{slow} over 1 s")


PORTFOLIOS = {"2000x60": (2000, 60), "10000x300": (10000, 300), "100000x2000": (100000, 2000)}


@bench_app.command()
def portfolio(
    instances: Annotated[list[str] | None, typer.Option(
        "--instances", help="sizes: 2000x60, 10000x300, 100000x2000 (cases x collectors)")] = None,
    seconds: SecondsOpt = 60.0,
    seed: Annotated[int, typer.Option(help="generator seed")] = 0,
    method: Annotated[str, typer.Option(help="auto, exact or scalable")] = "auto",
    out: OutOpt = None,
) -> None:
    """Generated portfolios allocated end to end (validation, candidates, solve,
    report), with the gap to the LP bound, wall time and peak memory (run one
    size per process for memory)."""
    from allocation import solve as allocate
    from api.schemas.allocation import AllocationRequest, to_allocation_problem, warnings_for
    from api.schemas.allocation_out import AllocationResponse
    from benchmarks.portfolio import portfolio as make_portfolio

    table = Table("instance", "method", "allocated", "objective", "bound", "gap %", "reassigned",
                  "s", "peak MB")
    for size in instances or list(PORTFOLIOS):
        n, k = PORTFOLIOS[size]
        body = make_portfolio(n, k, seed=seed, time_limit=seconds, method=method)
        started = time.monotonic()
        request = AllocationRequest.model_validate(body)
        problem = to_allocation_problem(request)
        result = AllocationResponse.from_result(allocate(problem, started=started),
                                                warnings_for(problem))
        elapsed = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        gap = None if result.gap is None else 100 * result.gap
        _emit(out, {"instance": f"portfolio-{size}-s{seed}", "method": result.method,
                    "assignment": {a.case_id: a.collector_id for a in result.allocations},
                    "objective": result.objective, "bound": result.bound, "gap_percent": gap,
                    "allocated": result.summary.allocated, "cases": n,
                    "seconds": round(elapsed, 3), "peak_rss_mb": round(peak)})
        table.add_row(f"{size}-s{seed}", result.method, f"{result.summary.allocated}/{n}",
                      f"{result.objective:,.0f}", f"{result.bound:,.0f}" if result.bound else "-",
                      "-" if gap is None else f"{gap:.3f}", str(result.summary.reassigned),
                      f"{elapsed:.1f}", f"{peak:.0f}")
    console.print(table)


@bench_app.command()
def collection(
    instances: Annotated[list[str] | None, typer.Option(
        "--instances", help="sizes: 60, 300, 1500, 5000 (customers)")] = None,
    seconds: SecondsOpt = 10.0,
    seed: Annotated[int, typer.Option(help="generator seed")] = 0,
    compare: Annotated[str | None, typer.Option(
        help="also solve with this peer on the same budget: pyvrp (plain days: no breaks, "
             "skills, crews or preferred collectors, which PyVRP cannot state)")] = None,
    profile: Annotated[str, typer.Option(
        help="standard (the visit cap binds) or tight (time binds: long visits, evening "
             "homes, half the team on the late shift; see benchmarks/generator.py)")
                       ] = "standard",
    out: OutOpt = None,
) -> None:
    """Generated collection days (value minus travel cost), with time and peak
    memory.

    Every plan is re-checked by the independent checker of the test suite (its
    own travel times and scheduler), and its objective recomputed from the
    request. Peak memory is the process's high-water mark, so run one size per
    process to read it alone."""
    import routing
    from api.schemas.plan import PlanRequest, to_problem
    from benchmarks.generator import PROFILES, SIZES, collection_day
    from verify.day_plan import Checker

    if compare not in (None, "pyvrp"):
        raise typer.BadParameter("the only peer is pyvrp", param_hint="--compare")
    if profile not in PROFILES:
        raise typer.BadParameter(f"one of {', '.join(PROFILES)}", param_hint="--profile")
    columns = ["instance", "visits", "value", "travel h", "objective", "mandatory missed",
               "infeasible routes", "first plan s", "s", "peak MB"]
    if compare:
        columns += ["peer visits", "peer objective", "peer missed", "peer infeasible",
                    "ratio"]
    table = Table(*columns)
    for size in instances or list(SIZES):
        n, k = SIZES[size]
        name = (f"collection-{n}x{k}-s{seed}" + ("-tight" if profile == "tight" else "")
                + ("-plain" if compare else ""))
        body = collection_day(n, k, seed=seed, time_limit=seconds, plain=bool(compare),
                              profile=profile)
        started = time.monotonic()
        request = PlanRequest.model_validate(body)
        problem, _ = to_problem(request)
        first: list[float] = []

        def on_solution(_objective, first=first, started=started) -> None:
            if not first:
                first.append(time.monotonic() - started)

        plan = routing.solve(problem, started=started, on_solution=on_solution)
        elapsed = time.monotonic() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        checker = Checker(body)
        routes = _routes(plan, problem, keep_empty=True)
        ours = _checked(checker, problem, routes)
        record = {"instance": name, "m": k, "routes": [r for r in routes if r],
                  "objective": ours["objective"], "value": ours["value"],
                  "travel_seconds": ours["travel_seconds"], "visits": ours["visits"],
                  "mandatory_missed": ours["mandatory_missed"],
                  "infeasible_routes": ours["infeasible"], "seconds": round(elapsed, 3),
                  "first_plan_seconds": round(first[0], 3) if first else None,
                  "peak_rss_mb": round(peak)}
        row = [name, str(ours["visits"]), f"{ours['value']:,.0f}",
               f"{ours['travel_seconds'] / 3600:.1f}", f"{ours['objective']:,.0f}",
               str(ours["mandatory_missed"]), str(ours["infeasible"]),
               "-" if not first else f"{first[0]:.1f}", f"{elapsed:.1f}",
               f"{peak:.0f}"]
        if compare:
            from benchmarks.peers import pyvrp_routes

            peer_started = time.monotonic()
            peer_routes = pyvrp_routes(problem, seconds=seconds, seed=seed)
            peer_elapsed = time.monotonic() - peer_started
            ids = [[problem.customers[i].id for i in r] for r in peer_routes]
            peer = _checked(checker, problem, ids)
            ratio = ours["objective"] / peer["objective"] if peer["objective"] else None
            record["peer"] = {"solver": "pyvrp", "routes": ids, "seconds": round(peer_elapsed, 3),
                              **{key: peer[key] for key in ("objective", "value",
                                                            "travel_seconds", "visits",
                                                            "mandatory_missed")},
                              "infeasible_routes": peer["infeasible"]}
            record["ratio"] = ratio
            row += [str(peer["visits"]), f"{peer['objective']:,.0f}",
                    str(peer["mandatory_missed"]), str(peer["infeasible"]),
                    "-" if ratio is None else f"{ratio:.4f}"]
        _emit(out, record)
        table.add_row(*row)
    console.print(table)


def _checked(checker, problem, routes: list[list[str]]) -> dict:
    """A plan (customer ids per collector, in the problem's order) as the independent checker
    sees it: routes it finds infeasible count for nothing."""
    value = travel = visits = infeasible = 0
    served = set()
    rate = checker.policy.get("travel_cost_per_hour", 0)
    for collector, ids in zip(problem.collectors, routes):
        if not ids:
            continue
        spec = checker.collectors[collector.id]
        if not checker.feasible(spec, ids):
            infeasible += 1
            continue
        stops = [spec["start"], *(checker.customers[i]["location"] for i in ids),
                 spec.get("end") or spec["start"]]
        travel += sum(checker.leg(a, b) for a, b in zip(stops, stops[1:]))
        value += sum(checker.value(checker.customers[i]) for i in ids)
        visits += len(ids)
        served.update(ids)
    missed = sum(1 for c in checker.req["customers"]
                 if c.get("mandatory") and c["id"] not in served)
    return {"objective": round(value - travel * rate / 3600, 2), "value": round(value, 2),
            "travel_seconds": round(travel), "visits": visits, "mandatory_missed": missed,
            "infeasible": infeasible}


@bench_app.command()
def api(
    requests: Annotated[int, typer.Option(help="day plans to submit")] = 200,
    concurrency: Annotated[int, typer.Option(help="requests in flight at once")] = 50,
    customers: Annotated[int, typer.Option(help="customers per plan")] = 20,
    collectors: Annotated[int, typer.Option(help="collectors per plan")] = 2,
    solves: Annotated[int, typer.Option(help="FIELDPLAN_CONCURRENT_SOLVES of the server")] = 2,
    max_queued: Annotated[int, typer.Option(help="FIELDPLAN_MAX_QUEUED of the server")] = 100,
    out: OutOpt = None,
) -> None:
    """Load a local server (127.0.0.1) with small day plans sent with ?wait=:
    throughput, latency percentiles, errors (429 is deliberate back-pressure,
    not an error) and the API's overhead over the bare solve of the same
    request."""
    from benchmarks import load_api

    result = load_api.run(requests=requests, concurrency=concurrency, customers=customers,
                          collectors=collectors, solves=solves, max_queued=max_queued)
    record = {"instance": f"api-{requests}x{customers}c-{concurrency}conc",
              "requests": requests, "concurrency": concurrency, "solves": solves,
              "wall_seconds": round(result.wall, 3),
              "throughput_per_second": round(result.throughput, 2),
              "p50": round(result.percentile(50), 3), "p95": round(result.percentile(95), 3),
              "p99": round(result.percentile(99), 3),
              "statuses": {str(k): v for k, v in sorted(result.statuses.items())},
              "errors": result.errors,
              "bare_solve_median": round(result.bare_solve_median, 3),
              "idle_api_median": round(result.idle_api_median, 3),
              "overhead_median": round(result.idle_api_median - result.bare_solve_median, 3)}
    _emit(out, record)
    table = Table("requests", "in flight", "solves", "wall s", "plans/s", "p50 s", "p95 s",
                  "p99 s", "statuses", "errors", "bare solve s", "idle API s", "overhead s")
    table.add_row(str(requests), str(concurrency), str(solves), f"{result.wall:.1f}",
                  f"{result.throughput:.2f}", f"{record['p50']:.2f}", f"{record['p95']:.2f}",
                  f"{record['p99']:.2f}", json.dumps(record["statuses"]), str(result.errors),
                  f"{result.bare_solve_median:.3f}", f"{result.idle_api_median:.3f}",
                  f"{record['overhead_median']:.3f}")
    console.print(table)


def _register_loop_benchmarks() -> None:
    from benchmarks import loop, night, oversized, replanning, roads, week

    bench_app.command("followup")(loop.followup)
    bench_app.command("outcomes")(loop.outcomes)
    bench_app.command("month")(loop.month)
    bench_app.command("replan")(replanning.replan)
    bench_app.command("week")(week.week)
    bench_app.command("oversized")(oversized.oversized)
    bench_app.command("night")(night.night)
    bench_app.command("roads")(roads.roads)


_register_loop_benchmarks()
