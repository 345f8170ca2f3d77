"""Readers for the public benchmark sets, turned into engine problems.

Solomon / Gehring-Homberger VRPTW (DIMACS convention: distances truncated to one decimal, fixed
fleet, objective total distance) and TOPTW (maximise collected score with m paths). Times and
distances are scaled to integers (x10 or x100) exactly as the conventions truncate them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing import Collector, Customer, Options, Policy, Problem, TimeWindow, TravelMatrix


@dataclass(frozen=True)
class Instance:
    """A benchmark instance: a problem, the scale of its integers and its best-known value."""

    name: str
    problem: Problem
    scale: int
    best_known: float | None
    optimal: bool = False


def truncated_matrix(x: np.ndarray, y: np.ndarray, scale: int) -> np.ndarray:
    """floor(scale * euclidean distance), as integers."""
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    return np.floor(d * scale + 1e-9).astype(np.int32)


def read_solomon(path: Path) -> tuple[int, int, np.ndarray]:
    """(vehicles, capacity, rows of [no, x, y, demand, ready, due, service])."""
    lines = path.read_text().splitlines()
    for k, line in enumerate(lines):
        if line.strip().startswith("NUMBER"):
            vehicles, capacity = map(int, lines[k + 1].split())
            break
    rows = [list(map(float, ln.split())) for ln in lines if len(ln.split()) == 7
            and ln.split()[0].isdigit()]
    return vehicles, capacity, np.array(rows)


def vrptw_problem(path: Path, *, seconds: float, vehicles: int | None = None) -> Problem:
    """A VRPTW instance as a day plan: every customer mandatory, one unit of travel costs one."""
    fleet, capacity, rows = read_solomon(path)
    scale = 10
    matrix = truncated_matrix(rows[:, 1], rows[:, 2], scale)
    horizon = int(rows[0, 5]) * scale
    collectors = tuple(Collector(f"v{k}", 0, 0, 0, horizon, capacity=capacity)
                       for k in range(vehicles or fleet))
    customers = tuple(
        Customer(str(int(r[0])), k + 1, 0, int(r[6]) * scale,
                 (TimeWindow(int(r[4]) * scale, int(r[5]) * scale + int(r[6]) * scale),),
                 mandatory=True, demand=int(r[3]))
        for k, r in enumerate(rows[1:]))
    return Problem(collectors, customers, TravelMatrix(matrix, matrix.copy()),
                   Policy(travel_cost_per_hour=3600), Options(time_limit=seconds))


def read_bks(path: Path, key: str = "instance", value: str = "distance") -> dict[str, float]:
    """A best-known-value table keyed by lower-case instance name."""
    with path.open(newline="") as f:
        return {row[key].lower(): float(row[value]) for row in csv.DictReader(f)}


def vrptw_instances(data: Path, family: str, names: list[str] | None,
                    seconds: float) -> list[Instance]:
    """Solomon 100 (``family='solomon'``) or Gehring-Homberger 200 (``'gh200'``)."""
    if family == "solomon":
        folder, bks = data / "solomon_vrptw/instances/100", data / "solomon_vrptw/bks_100_distance_dimacs.csv"
    else:
        folder = data / "gehring_homberger_vrptw/instances/200"
        bks = data / "gehring_homberger_vrptw/bks_200_distance_dimacs.csv"
    best = read_bks(bks)
    files = sorted(folder.glob("*.txt"))
    wanted = {n.lower() for n in names} if names else None
    return [Instance(f.stem, vrptw_problem(f, seconds=seconds), 10, best.get(f.stem.lower()))
            for f in files if wanted is None or f.stem.lower() in wanted]


TOPTW_SETS = ("solomon_c_r_rc_100_100", "cordeau_pr01_10", "solomon_c_r_rc_200_100",
              "cordeau_pr11_20")


def toptw_problem(path: Path, m: int, *, seconds: float) -> tuple[Problem, int]:
    """A TOPTW instance: m collectors, optional customers worth their score, ties broken by
    travel (a unit of score outweighs any amount of driving). Returns the problem and the
    multiplier applied to scores."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    rows = [ln for ln in lines if len(ln) >= 9]
    scale = 100 if path.parent.name.startswith("cordeau") else 10
    x = np.array([float(r[1]) for r in rows])
    y = np.array([float(r[2]) for r in rows])
    matrix = truncated_matrix(x, y, scale)
    depot = rows[0]
    horizon = int(round(float(depot[-1]) * scale))
    weight = m * horizon + 1
    collectors = tuple(Collector(f"p{k}", 0, 0, 0, horizon) for k in range(m))
    customers = []
    for k, r in enumerate(rows[1:], start=1):
        service = int(round(float(r[3]) * scale))
        opening, closing = int(round(float(r[-2]) * scale)), int(round(float(r[-1]) * scale))
        customers.append(Customer(r[0], k, int(round(float(r[4]))) * weight, service,
                                  (TimeWindow(opening, closing + service),)))
    problem = Problem(collectors, tuple(customers), TravelMatrix(matrix, matrix.copy()),
                      Policy(travel_cost_per_hour=3600), Options(time_limit=seconds))
    return problem, weight


def toptw_bks(data: Path) -> dict[tuple[str, int], tuple[float, bool]]:
    """(instance, m) -> (best score, proven optimal)."""
    with (data / "toptw/bks_toptw.csv").open(newline="") as f:
        return {(r["instance"].lower(), int(r["m"])): (float(r["best_score"]),
                                                        r["status"] == "optimal")
                for r in csv.DictReader(f)}


def dimacs_distance(matrix: np.ndarray, routes: list[list[int]]) -> float:
    """Total distance of routes of node numbers (depot 0 omitted), in the scaled integers."""
    total = 0
    for route in routes:
        nodes = [0, *route, 0]
        total += int(sum(matrix[a, b] for a, b in zip(nodes, nodes[1:])))
    return total
