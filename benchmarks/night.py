"""``fieldplan bench night``: a generated national night (cities of the demo's kind, each with
its own collectors and districts), run by ``fieldplan nightly`` in this process and on a Dask
cluster of 1 and 2 workers, side by side in one run; and the cluster's overhead on a
one-region night."""

from __future__ import annotations

import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(width=160)
FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")


def national(out: Path, *, cities: int, cases_per_city: int, collectors_per_district: int,
             one_region: bool = False) -> tuple[Path, Path]:
    """``cities`` copies of the demo city (each its own seed), ids and regions prefixed by the
    city (``C07-huangpu``), in one cases table and one collectors table. With ``one_region``,
    every case and collector of the (single) city is in one region."""
    from api import demo

    tables: dict[str, list[dict]] = {"cases": [], "collectors": []}
    with tempfile.TemporaryDirectory() as folder:
        for n in range(cities):
            prefix = f"C{n + 1:02d}"
            cases, collectors = demo.city(Path(folder) / prefix, cases=cases_per_city,
                                          collectors_per_district=collectors_per_district,
                                          seed=n + 1)
            for name, path in (("cases", cases), ("collectors", collectors)):
                for row in csv.DictReader(path.open(encoding="utf-8")):
                    row["id"] = f"{prefix}-{row['id']}"
                    key = "region" if name == "cases" else "regions"
                    row[key] = "city" if one_region else f"{prefix}-{row[key]}"
                    if row.get("current_collector"):
                        row["current_collector"] = f"{prefix}-{row['current_collector']}"
                    tables[name].append(row)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows in tables.items():
        path = out / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths[0], paths[1]


def _night(tables: tuple[Path, Path], out: Path, allocation_seconds: float,
           plan_seconds: float, *where: str) -> dict:
    """One ``fieldplan nightly`` run: wall time, and what its events and files say."""
    started, started_at = time.perf_counter(), time.time()
    done = subprocess.run([FIELDPLAN, "nightly", *map(str, tables), "--date", "2026-12-01",
                           "--out", str(out), "--allocation-seconds", str(allocation_seconds),
                           "--plan-seconds", str(plan_seconds), "--rest-days", "2",
                           "--json-logs", *where], capture_output=True, text=True)
    wall, ended_at = time.perf_counter() - started, time.time()
    if done.returncode not in (0, 3):
        raise SystemExit(f"nightly failed ({done.returncode}): {done.stderr[-2000:]}")
    events = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    first = next(e["at"] for e in events if e["event"] == "allocation_start")
    tasks = [e for e in events if e["event"] in ("allocation", "region")]
    allocated = max((e["at"] for e in events if e["event"] == "allocation"), default=first)
    regions = [e for e in events if e["event"] == "region"]
    # With one worker the tasks run one after another: the gaps between their events are
    # their durations (the first task's counts from the night's first event).
    marks = [first] + [e["at"] for e in tasks]
    spans = {kind: [b - a for a, b, e in zip(marks, marks[1:], tasks) if e["event"] == kind]
             for kind in ("allocation", "region")}
    state = json.loads((out / "state.json").read_text())
    allocation = json.loads((out / "allocation.json").read_text())
    # Before the first task: start-up, reading and checking the tables, splitting (and the
    # LocalCluster's start); after the last: merging and writing the night's allocation.
    setup, finish = first - started_at, ended_at - (tasks[-1]["at"] if tasks else first)
    return {"wall_s": round(wall, 1), "setup_s": round(setup, 1), "finish_s": round(finish, 1),
            "tasks": len(tasks), "allocation_done_s": round(allocated - first, 1),
            "regions": len(regions), "allocated": allocation["summary"]["allocated"],
            "cases": allocation["summary"]["cases"],
            "visits": sum(r["visits"] for r in state["regions"].values()),
            "value": round(sum(r["value"] for r in state["regions"].values())),
            "retries": events[-1].get("retries", {}),
            "longest_allocation_s": round(max(spans["allocation"], default=0), 2),
            "longest_region_s": round(max(spans["region"], default=0), 2)}


def _noop(x: int) -> int:
    return x


def _per_task_ms(address: str, n: int = 2000) -> float:
    """The scheduler's cost of one task: ``n`` tasks that do nothing, submitted and gathered."""
    from distributed import Client

    with Client(address, set_as_default=False) as client:
        client.gather(client.map(_noop, range(100), pure=False))  # warm up
        started = time.perf_counter()
        client.gather(client.map(_noop, range(n), pure=False))
        return (time.perf_counter() - started) / n * 1000


def _projection(one: dict, workers: int, per_task_ms: float) -> float:
    """The night's wall time on ``workers`` workers, from the 1-worker run: what runs before
    and after the tasks, then the tasks' work shared out, but never less than the longest
    chain (a group's allocation, then its largest region), plus the scheduler's cost per
    task."""
    work = one["wall_s"] - one["setup_s"] - one["finish_s"]
    chain = one["longest_allocation_s"] + one["longest_region_s"]
    return (one["setup_s"] + one["finish_s"] + max(work / workers, chain)
            + one["tasks"] * per_task_ms / 1000)


def night(
    cities: Annotated[int, typer.Option(help="cities in the national night")] = 50,
    cases_per_city: Annotated[int, typer.Option(help="overdue cases per city")] = 2000,
    collectors_per_district: Annotated[int, typer.Option(
        help="collectors per district (4 districts a city)")] = 10,
    allocation_seconds: Annotated[float, typer.Option(
        help="allocation time limit of the whole night (shared by its groups)")] = 200.0,
    plan_seconds: Annotated[float, typer.Option(help="time limit of each region's day plan")
                            ] = 2.0,
    overhead_cases: Annotated[int, typer.Option(
        help="cases of the one-region night that measures the cluster's overhead")] = 2400,
    overhead_runs: Annotated[int, typer.Option(help="runs of each one-region night")] = 3,
    skip_national: Annotated[bool, typer.Option("--skip-national",
                                                help="only the one-region overhead")] = False,
    out: Annotated[Path | None, typer.Option(help="append JSON lines here")] = None,
) -> None:
    """A national night on 1 and on 2 Dask workers, side by side.

    Then the cluster's overhead on a one-region night: a running 1-worker
    cluster, and a LocalCluster started by the run, against no cluster.
    """
    from distributed import LocalCluster

    from benchmarks.cli import _emit

    records = []
    with tempfile.TemporaryDirectory(prefix="fieldplan-night-") as folder:
        root = Path(folder)
        if not skip_national:
            tables = national(root / "national", cities=cities, cases_per_city=cases_per_city,
                              collectors_per_district=collectors_per_district)
            for label, where in (("1 worker", ("--workers", "1")),
                                 ("2 workers", ("--workers", "2"))):
                console.print(f"national night, {label} …")
                result = _night(tables, root / label.replace(" ", "-"), allocation_seconds,
                                plan_seconds, *where)
                records.append({"instance": f"national-{cities}x{cases_per_city}",
                                "run": label, **result})
        small = national(root / "one", cities=1, cases_per_city=overhead_cases,
                         collectors_per_district=10, one_region=True)
        walls: dict[str, list[float]] = {"in-process": [], "running cluster": [],
                                         "LocalCluster per run": []}
        with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as running:
            for k in range(overhead_runs):
                for label, where in (("in-process", ()),
                                     ("running cluster", ("--cluster", running.scheduler_address)),
                                     ("LocalCluster per run", ("--workers", "1"))):
                    console.print(f"one-region night, {label}, run {k + 1} …")
                    result = _night(small, root / f"one-{k}-{label.replace(' ', '-')}", 10.0,
                                    20.0, *where)
                    walls[label].append(result["wall_s"])
            per_task = _per_task_ms(running.scheduler_address)
        base = statistics.median(walls["in-process"])
        for label, values in walls.items():
            records.append({"instance": f"one-region-{overhead_cases}", "run": label,
                            "wall_s": statistics.median(values), "runs": values,
                            "overhead": round(statistics.median(values) / base - 1, 3)})
    one = next((r for r in records if r.get("run") == "1 worker"), None)
    if one is not None:
        for n in (16, 64):
            records.append({"instance": one["instance"], "run": f"{n} workers (projected)",
                            "wall_s": round(_projection(one, n, per_task), 1),
                            "per_task_ms": round(per_task, 2)})
    for record in records:
        _emit(out, record)
    table = Table("instance", "run", "wall s", "setup s", "finish s", "allocation done s",
                  "regions", "allocated",
                  "visits", "value", "retries", "vs first row")
    first: dict[str, float] = {}
    for r in records:
        ratio = r["wall_s"] / first.setdefault(r["instance"], r["wall_s"])
        table.add_row(r["instance"], r["run"], f"{r['wall_s']:.1f}", str(r.get("setup_s", "")),
                      str(r.get("finish_s", "")), str(r.get("allocation_done_s", "")), str(r.get("regions", "")),
                      f"{r['allocated']}/{r['cases']}" if "cases" in r else "",
                      str(r.get("visits", "")), f"{r['value']:,}" if "value" in r else "",
                      str(len(r.get("retries", {}))) if "retries" in r else "",
                      f"{ratio:.2f}x")
    console.print(table)
