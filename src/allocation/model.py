"""Solvers of the sparse assignment at the heart of allocation. The only module of the allocation
engine that imports OR-Tools.

An :class:`Assignment` problem has items (cases), agents (collectors) and candidate pairs, each
with an integer score (to maximise) and an integer weight (workload on that agent). Items may be
optional, required (hard) or penalised when left out. Agents have a count and a weight capacity.
Side constraints: a cap on pairs that move an item away from its current agent, and a soft
workload balance band. Two paths: CP-SAT (exact, with a proven bound) and min-cost flow (fast,
for national runs), which the caller repairs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model


@dataclass(frozen=True, eq=False)
class Assignment:
    """A sparse generalized assignment problem (all integers)."""

    num_items: int
    num_agents: int
    item: np.ndarray  # per pair
    agent: np.ndarray  # per pair
    score: np.ndarray  # per pair, to maximise
    weight: np.ndarray  # per pair
    moves: np.ndarray  # per pair: takes the item away from its current agent
    required: np.ndarray  # per item: must be assigned (hard)
    left_out_penalty: np.ndarray  # per item: subtracted when not assigned
    cap_count: np.ndarray  # per agent, -1: none
    cap_weight: np.ndarray  # per agent, -1: none
    base_weight: np.ndarray  # per agent: load already carried
    max_moves: int | None = None
    balance_tolerance_pct: int | None = None  # e.g. 10 for +-10 % of the mean
    balance_penalty: int = 0  # per unit of weight outside the band
    balance_centre: float | None = None  # mean load the band is around (default: the hint's)


@dataclass(frozen=True)
class Result:
    """Chosen pair per item (-1: not assigned), objective, proven bound and how it ended."""

    chosen: np.ndarray
    objective: float
    bound: float | None
    status: str
    seconds: float


def solve_exact(problem: Assignment, *, time_limit: float, seed: int = 0, workers: int = 1,
                hint: np.ndarray | None = None,
                on_solution: Callable[[float, float], None] | None = None,
                stop_after: float | None = None) -> Result:
    """CP-SAT: optimal or near-optimal, with the proven upper bound. ``on_solution`` hears the
    objective and the bound of each better allocation found. With ``stop_after``, the search
    ends at the first solution found after that many seconds (or at ``time_limit``)."""
    started = time.monotonic()
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{p}") for p in range(len(problem.item))]
    objective = add_assignment(model, problem, x)
    objective -= add_left_out_penalties(model, problem, x, hint)
    add_capacities(model, problem, x)
    add_move_cap(model, problem, x)
    objective -= add_balance(model, problem, x, hint)
    model.maximize(objective)
    if hint is not None:
        for p, var in enumerate(x):
            model.add_hint(var, bool(hint[problem.item[p]] == p))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers
    # The LP relaxation of assignment and knapsack rows closes the gap fast (measured: a
    # 300-case portfolio proven optimal in 0.7 s instead of a 10 % gap after 5 s).
    solver.parameters.linearization_level = 2
    solver.parameters.random_seed = seed
    callback = None
    if on_solution is not None or stop_after is not None:
        callback = _Progress(on_solution, None if stop_after is None else started + stop_after)
    status = solver.solve(model, callback)
    chosen = np.full(problem.num_items, -1, dtype=np.int64)
    name = solver.status_name(status).lower()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = np.array([solver.boolean_value(v) for v in x], dtype=bool)
        chosen[problem.item[values]] = np.flatnonzero(values)
        return Result(chosen, solver.objective_value, solver.best_objective_bound, name,
                      time.monotonic() - started)
    return Result(chosen, float("nan"), None, name, time.monotonic() - started)


def solve_feasible(problem: Assignment, *, time_limit: float, seed: int = 0) -> Result:
    """CP-SAT without an objective: any assignment that meets the hard constraints (on tight
    instances this is found long before a first solution of the full model)."""
    started = time.monotonic()
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{p}") for p in range(len(problem.item))]
    add_assignment(model, problem, x)
    add_capacities(model, problem, x)
    add_move_cap(model, problem, x)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    chosen = np.full(problem.num_items, -1, dtype=np.int64)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = np.array([solver.boolean_value(v) for v in x], dtype=bool)
        chosen[problem.item[values]] = np.flatnonzero(values)
        return Result(chosen, objective(problem, chosen), None, "feasible",
                      time.monotonic() - started)
    return Result(chosen, float("nan"), None, solver.status_name(status).lower(),
                  time.monotonic() - started)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[float, float], None] | None,
                 stop_at: float | None) -> None:
        super().__init__()
        self.report = report
        self.stop_at = stop_at

    def on_solution_callback(self) -> None:
        if self.report is not None:
            self.report(self.objective_value, self.best_objective_bound)
        if self.stop_at is not None and time.monotonic() >= self.stop_at:
            self.stop_search()


def _by(keys: np.ndarray, size: int) -> list[np.ndarray]:
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(size + 1))
    return [order[bounds[i]:bounds[i + 1]] for i in range(size)]


def add_assignment(model, problem: Assignment, x):
    """Each item at most once (exactly once when required); returns the pairs' score."""
    for i, pairs in enumerate(_by(problem.item, problem.num_items)):
        terms = [x[p] for p in pairs]
        if problem.required[i]:
            model.add_exactly_one(terms)
        elif len(terms) > 1:
            model.add_at_most_one(terms)
    return cp_model.LinearExpr.weighted_sum(x, problem.score.tolist())


def add_left_out_penalties(model, problem: Assignment, x, hint=None):
    """Leaving out a penalised item costs its penalty."""
    terms = []
    for i, pairs in enumerate(_by(problem.item, problem.num_items)):
        penalty = int(problem.left_out_penalty[i])
        if penalty and not problem.required[i]:
            out = model.new_bool_var(f"out{i}")
            model.add(sum(x[p] for p in pairs) + out == 1)
            terms.append(penalty * out)
            if hint is not None:
                model.add_hint(out, bool(hint[i] < 0))
    return sum(terms)


def add_capacities(model, problem: Assignment, x) -> None:
    """Count and weight capacity of every agent."""
    for j, pairs in enumerate(_by(problem.agent, problem.num_agents)):
        if problem.cap_count[j] >= 0 and len(pairs) > problem.cap_count[j]:
            model.add(sum(x[p] for p in pairs) <= int(problem.cap_count[j]))
        if problem.cap_weight[j] >= 0 and problem.weight[pairs].sum() > problem.cap_weight[j]:
            model.add(cp_model.LinearExpr.weighted_sum(
                [x[p] for p in pairs], problem.weight[pairs].tolist()) <= int(problem.cap_weight[j]))


def add_move_cap(model, problem: Assignment, x) -> None:
    """At most ``max_moves`` items change hands."""
    if problem.max_moves is None:
        return
    movers = np.flatnonzero(problem.moves)
    if len(movers) > problem.max_moves:
        model.add(sum(x[p] for p in movers) <= problem.max_moves)


def add_balance(model, problem: Assignment, x, hint=None):
    """Soft band around the mean load: each unit outside costs ``balance_penalty``.

    The band is centred on the mean of the starting allocation (``hint``, else of everything
    assigned): a fixed centre keeps the model easy, and the final objective is recomputed with
    the true mean by :func:`objective`."""
    t, cost = problem.balance_tolerance_pct, problem.balance_penalty
    if t is None or not cost or problem.num_agents < 2:
        return 0
    k = problem.num_agents
    if problem.balance_centre is not None:
        total = problem.balance_centre * k
    elif hint is not None:
        taken = hint[hint >= 0]
        total = int(problem.base_weight.sum() + problem.weight[taken].sum())
    else:
        first = np.unique(problem.item, return_index=True)[1]
        total = int(problem.base_weight.sum() + problem.weight[first].sum())
    high = (100 + t) * total / (100 * k)
    low = (100 - t) * total / (100 * k)
    horizon = int(problem.base_weight.sum() + problem.weight.sum()) + 1
    penalties = []
    for j, pairs in enumerate(_by(problem.agent, problem.num_agents)):
        load = int(problem.base_weight[j]) + cp_model.LinearExpr.weighted_sum(
            [x[p] for p in pairs], problem.weight[pairs].tolist())
        over = model.new_int_var(0, horizon, f"over{j}")
        under = model.new_int_var(0, horizon, f"under{j}")
        model.add(load - over <= math.floor(high))
        model.add(load + under >= math.ceil(low))
        penalties += [over, under]
        if hint is not None:
            mine = hint[hint >= 0]
            hinted = int(problem.base_weight[j] + problem.weight[mine[problem.agent[mine] == j]].sum())
            model.add_hint(over, max(0, hinted - math.floor(high)))
            model.add_hint(under, max(0, math.ceil(low) - hinted))
    return cost * sum(penalties)


def solve_flow(problem: Assignment, move_price: int = 0) -> Result:
    """Min-cost flow: items to agents with count capacities; the weight capacity is
    approximated by a count (capacity over mean weight) and must be repaired by the caller.
    ``move_price`` is charged on every pair that moves an item away from its current agent
    (a Lagrangian price for the cap on moves)."""
    started = time.monotonic()
    flow = min_cost_flow.SimpleMinCostFlow()
    n, m = problem.num_items, problem.num_agents
    source, sink = n + m, n + m + 1
    items = np.arange(n)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n, source), items, np.ones(n, dtype=np.int64), np.zeros(n, dtype=np.int64))
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        problem.item.astype(np.int64), n + problem.agent.astype(np.int64),
        np.ones(len(problem.item), dtype=np.int64),
        -problem.score.astype(np.int64) + move_price * problem.moves.astype(np.int64))
    caps = _flow_caps(problem)
    for tail, capacity, cost in _sink_arcs(problem, caps):
        flow.add_arcs_with_capacity_and_unit_cost(n + tail, np.full(len(tail), sink), capacity,
                                                  cost)
    # Items left out go straight to the sink at their penalty.
    out_cost = np.where(problem.required, int(problem.score.max(initial=0)) * 4 + 10**9,
                        problem.left_out_penalty).astype(np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(items, np.full(n, sink), np.ones(n, np.int64),
                                              out_cost)
    flow.set_node_supply(source, n)
    flow.set_node_supply(sink, -n)
    status = flow.solve()
    chosen = np.full(n, -1, dtype=np.int64)
    if status != flow.OPTIMAL:
        return Result(chosen, float("nan"), None, f"flow_{status}", time.monotonic() - started)
    used = flow.flows(pair_arcs) > 0
    chosen[problem.item[used]] = np.flatnonzero(used)
    return Result(chosen, objective(problem, chosen), None, "flow",
                  time.monotonic() - started)


def _sink_arcs(problem: Assignment, caps: np.ndarray):
    """Agent-to-sink arcs. With a balance band, a convex cost in the number of cases: a reward
    for each case up to the band's lower edge, free up to its upper edge, a charge beyond
    (cases counted at the mean weight; the mean load estimated from all placeable items)."""
    m = problem.num_agents
    agents = np.arange(m)
    t, cost = problem.balance_tolerance_pct, problem.balance_penalty
    if t is None or not cost or m < 2:
        return [(agents, caps, np.zeros(m, dtype=np.int64))]
    first = np.unique(problem.item, return_index=True)[1]
    mean_weight = max(1.0, float(problem.weight[first].mean())) if len(first) else 1.0
    mean_load = (problem.base_weight.sum() + problem.weight[first].sum()) / m
    room_low = np.maximum(0, (1 - t / 100) * mean_load - problem.base_weight) / mean_weight
    room_high = np.maximum(0, (1 + t / 100) * mean_load - problem.base_weight) / mean_weight
    low = np.minimum(np.floor(room_low).astype(np.int64), caps)
    high = np.minimum(np.floor(room_high).astype(np.int64), caps)
    step = int(round(cost * mean_weight))
    return [(agents, low, np.full(m, -step, dtype=np.int64)),
            (agents, high - low, np.zeros(m, dtype=np.int64)),
            (agents, caps - high, np.full(m, step, dtype=np.int64))]


def _flow_caps(problem: Assignment) -> np.ndarray:
    m = problem.num_agents
    mean_weight = np.zeros(m)
    counts = np.bincount(problem.agent, minlength=m)
    sums = np.bincount(problem.agent, weights=problem.weight, minlength=m)
    mean_weight[counts > 0] = sums[counts > 0] / counts[counts > 0]
    caps = np.full(m, problem.num_items, dtype=np.int64)
    has_count = problem.cap_count >= 0
    caps[has_count] = np.minimum(caps[has_count], problem.cap_count[has_count])
    has_weight = (problem.cap_weight >= 0) & (mean_weight > 0)
    caps[has_weight] = np.minimum(
        caps[has_weight], np.floor(problem.cap_weight[has_weight] / mean_weight[has_weight]))
    return caps


def objective(problem: Assignment, chosen: np.ndarray) -> float:
    """The objective of an assignment, recomputed from the data (balance band included)."""
    taken = chosen[chosen >= 0]
    value = int(problem.score[taken].sum())
    value -= int(problem.left_out_penalty[(chosen < 0) & ~problem.required].sum())
    t, cost = problem.balance_tolerance_pct, problem.balance_penalty
    if t is not None and cost and problem.num_agents >= 2:
        loads = problem.base_weight + np.bincount(problem.agent[taken],
                                                  weights=problem.weight[taken],
                                                  minlength=problem.num_agents)
        value -= int(cost * band_excess(loads, int(loads.sum()), problem.num_agents, t).sum())
    return float(value)


def band_excess(loads: np.ndarray, total: int, k: int, t: int) -> np.ndarray:
    """Units by which each of ``k`` loads lies outside +-t % of the mean ``total / k``."""
    over = np.ceil(np.maximum(0, 100 * k * loads - (100 + t) * total) / (100 * k))
    under = np.ceil(np.maximum(0, (100 - t) * total - 100 * k * loads) / (100 * k))
    return over + under
