"""The one public entry point of the allocation engine: :func:`solve`.

1. Find each case's candidate collectors (skills, territory, exclusions, distance; k nearest).
2. Solve the sparse assignment: CP-SAT for up to a few thousand cases (with a proven bound), a
   min-cost flow repaired for capacities and the reassignment cap beyond that. The bound is the
   better of CP-SAT's and a Lagrangian (LP) bound of the candidate pairs.
3. Offer every case still unallocated to every collector who may take it, and give each one
   left over a true reason.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable

import numpy as np

from allocation import lns, model
from allocation.bound import lagrangian_bound
from allocation.candidates import Candidates, Eligibility, build_candidates
from allocation.problem import AllocationProblem
from allocation.solution import (
    AllocationResult,
    CaseAllocation,
    CollectorLoad,
    Placement,
    Unallocated,
    UnallocatedCase,
)
from common.budget import Budget

SCALE = 60  # objective units per cent, so a balance cost per hour is exact per minute

# Shares of the time limit. The min-cost flow's search for a price on moves (so that the cap on
# moves holds) ends by this share of the limit; the exact method's search takes this share of
# what is left then, keeping the rest for the greedy fill, the bound and the report.
FLOW_SHARE = 0.6
SEARCH_SHARE = 0.85
# The Lagrangian bound of the report: at most this long, and not in the last half second.
BOUND_SECONDS = 3.0
REPORT_RESERVE = 0.5


def warm_up() -> None:
    """Load the solver now (importing this module does), so that the first solve does not pay
    for it inside its limit."""


def solve(problem: AllocationProblem, *, started: float | None = None,
          on_progress: Callable[[float, float], None] | None = None) -> AllocationResult:
    """Allocate the cases. Honours ``problem.options.time_limit`` counted from ``started``.

    ``on_progress`` hears the objective and the bound (cents, as the exact search weighs them:
    mandatory cases left out count against it) of each better allocation CP-SAT finds."""
    started = time.monotonic() if started is None else started
    options = problem.options
    budget = Budget.seconds(options.time_limit, started=started)
    eligibility = Eligibility(problem)
    candidates = build_candidates(problem, eligibility)
    core = _core(problem, candidates)
    n = len(problem.cases)
    method = options.method
    if method == "auto":
        method = "exact" if n <= options.exact_up_to and not options.deterministic else "scalable"
    bound = None
    flow = _flow_within_move_cap(
        core, Budget(math.inf) if options.deterministic
        else Budget.seconds(options.time_limit * FLOW_SHARE, started=started))
    chosen, status = _repair(core, flow.chosen), flow.status
    if method == "exact":
        # The repaired flow is a feasible start, so CP-SAT always has a solution to improve.
        report = None if on_progress is None else (
            lambda objective, bound: on_progress(objective / SCALE, bound / SCALE))
        result = lns.solve(core, time_limit=budget.left() * SEARCH_SHARE, seed=options.seed,
                           workers=options.workers, hint=chosen, on_solution=report)
        if result.status in ("optimal", "feasible"):
            chosen, status, bound = result.chosen, result.status, result.bound
    state = _State(problem, eligibility, candidates, core, chosen)
    reasons = state.fill()
    internal = state.objective()
    if state.extra and status == "optimal":
        status = "feasible"
    # Report money: the artificial penalty of mandatory cases left out is not a cost.
    penalties = sum(int(core.left_out_penalty[i]) for i in reasons)
    money = internal + penalties
    # A valid bound on money whatever happens to mandatory cases: relax them to optional.
    relaxed = lagrangian_bound(
        dataclasses.replace(core, left_out_penalty=core.left_out_penalty * 0), money,
        seconds=math.inf if options.deterministic
        else max(0.05, min(BOUND_SECONDS, budget.left() - REPORT_RESERVE)))
    if bound is not None and not penalties:
        relaxed = min(relaxed, bound)  # CP-SAT's bound holds too when no mandatory case is out
    bound = max(relaxed, money)  # pairs added outside the k nearest may pass a bound on them
    gap = (bound - money) / max(1.0, abs(bound))
    objective, bound = money / SCALE, bound / SCALE
    return _report(problem, state, reasons, method, status, objective, bound, gap,
                   time.monotonic() - started)


def _core(problem: AllocationProblem, candidates: Candidates) -> model.Assignment:
    cases, collectors, policy = problem.cases, problem.collectors, problem.policy
    value = np.array([c.value for c in cases], dtype=np.int64)
    workload = np.array([c.workload for c in cases], dtype=np.int64)
    ids = {k.id: j for j, k in enumerate(collectors)}
    current = np.array([ids[c.current_collector] if c.current_collector else -1 for c in cases],
                       dtype=np.int64)
    item, agent = candidates.case.astype(np.int64), candidates.collector.astype(np.int64)
    kept = current[item] == agent
    score = SCALE * (value[item] - burden(candidates.distance, policy)
                     + policy.continuity_bonus * kept)
    big = SCALE * (int(value.sum()) + policy.continuity_bonus * len(cases)) + 1
    mandatory = np.array([c.mandatory for c in cases], dtype=bool)
    with_current = int((current >= 0).sum())
    share = policy.max_reassignment_share
    return model.Assignment(
        num_items=len(cases), num_agents=len(collectors), item=item, agent=agent,
        score=score.astype(np.int64), weight=workload[item], moves=(current[item] >= 0) & ~kept,
        required=np.zeros(len(cases), dtype=bool),
        left_out_penalty=np.where(mandatory, big, 0).astype(np.int64),
        cap_count=np.array([-1 if k.room_cases is None else k.room_cases for k in collectors],
                           dtype=np.int64),
        cap_weight=np.array([-1 if k.room_workload is None else k.room_workload
                             for k in collectors], dtype=np.int64),
        base_weight=np.array([k.current_workload for k in collectors], dtype=np.int64),
        max_moves=None if share is None else math.floor(share * with_current),
        balance_tolerance_pct=None if policy.balance_tolerance is None
        else round(policy.balance_tolerance * 100),
        balance_penalty=policy.balance_cost_per_hour)


def _flow_within_move_cap(core: model.Assignment, budget: Budget) -> model.Result:
    """The min-cost flow, with a price on moves found by bisection so that the cap on moves
    holds (as long as time allows; the repair enforces the cap in any case)."""
    started = time.monotonic()
    result = model.solve_flow(core)
    if core.max_moves is None or _moves(core, result.chosen) <= core.max_moves:
        return result
    per_solve = time.monotonic() - started
    low, high = 0, int(np.abs(core.score).max(initial=1)) + 1
    best = None
    while high - low > 1 and budget.left() > 1.5 * per_solve:
        price = (low + high) // 2
        trial = model.solve_flow(core, move_price=price)
        if _moves(core, trial.chosen) <= core.max_moves:
            best, high = trial, price
        else:
            low = price
        if best is not None and high - low < max(1, high // 50):
            break
    return best or result


def _moves(core: model.Assignment, chosen: np.ndarray) -> int:
    taken = chosen[chosen >= 0]
    return int(core.moves[taken].sum())


def burden(distance_m: np.ndarray, policy) -> np.ndarray:
    """Travel cost in cents of one round trip per cycle from the base to the case."""
    hours = 2 * np.asarray(distance_m, dtype=float) / (policy.speed_kmh * 1000)
    return np.rint(hours * policy.travel_cost_per_hour).astype(np.int64)


def _repair(core: model.Assignment, chosen: np.ndarray) -> np.ndarray:
    """Make a flow solution respect weight capacities and the move cap, greedily."""
    chosen = chosen.copy()
    m = core.num_agents
    taken = chosen >= 0
    load = np.bincount(core.agent[chosen[taken]], weights=core.weight[chosen[taken]], minlength=m)
    count = np.bincount(core.agent[chosen[taken]], minlength=m)
    pool = []
    for j in np.flatnonzero((core.cap_weight >= 0) & (load > core.cap_weight)):
        mine = np.flatnonzero(taken & (core.agent[np.maximum(chosen, 0)] == j))
        pairs = chosen[mine]
        order = np.argsort(core.score[pairs] / np.maximum(1, core.weight[pairs]))
        for k in order:
            if load[j] <= core.cap_weight[j]:
                break
            p = pairs[k]
            chosen[core.item[p]] = -1
            load[j] -= core.weight[p]
            count[j] -= 1
            pool.append(int(core.item[p]))
    if core.max_moves is not None:
        movers = np.flatnonzero((chosen >= 0) & core.moves[np.maximum(chosen, 0)])
        excess = len(movers) - core.max_moves
        if excess > 0:
            # Undo the moves that gain least; mandatory cases keep theirs.
            gain = core.score[chosen[movers]] + core.left_out_penalty[movers]
            for i in movers[np.argsort(gain, kind="stable")][:excess]:
                p = chosen[i]
                load[core.agent[p]] -= core.weight[p]
                count[core.agent[p]] -= 1
                chosen[i] = -1
                pool.append(int(i))
    order = np.argsort(core.item, kind="stable")
    bounds = np.searchsorted(core.item[order], np.arange(core.num_items + 1))
    moves_left = None if core.max_moves is None else core.max_moves - int(
        ((chosen >= 0) & core.moves[np.maximum(chosen, 0)]).sum())
    for i in sorted(pool, key=lambda i: -int(core.left_out_penalty[i])):
        best = None
        for p in order[bounds[i]:bounds[i + 1]]:
            j = core.agent[p]
            if core.score[p] <= 0 and not core.left_out_penalty[i]:
                continue
            if core.cap_weight[j] >= 0 and load[j] + core.weight[p] > core.cap_weight[j]:
                continue
            if core.cap_count[j] >= 0 and count[j] + 1 > core.cap_count[j]:
                continue
            if core.moves[p] and moves_left is not None and moves_left <= 0:
                continue
            if best is None or core.score[p] > core.score[best]:
                best = p
        if best is not None:
            chosen[i] = best
            load[core.agent[best]] += core.weight[best]
            count[core.agent[best]] += 1
            if core.moves[best] and moves_left is not None:
                moves_left -= 1
    return chosen


class _State:
    """The allocation being finished: loads, counts, and the offer of left-out cases."""

    def __init__(self, problem, eligibility: Eligibility, candidates: Candidates,
                 core: model.Assignment, chosen: np.ndarray) -> None:
        self.problem, self.eligibility, self.candidates, self.core = (
            problem, eligibility, candidates, core)
        self.chosen = chosen.copy()
        self.extra: dict[int, tuple[int, int, int]] = {}  # case -> (collector, score, distance)
        m = core.num_agents
        taken = self.chosen >= 0
        pairs = self.chosen[taken]
        self.load = core.base_weight + np.bincount(core.agent[pairs], weights=core.weight[pairs],
                                                   minlength=m).astype(np.int64)
        self.count = np.bincount(core.agent[pairs], minlength=m).astype(np.int64)
        self.moves = int(core.moves[pairs].sum())
        self.workload = np.array([c.workload for c in problem.cases], dtype=np.int64)

    def collector_of(self, i: int) -> int:
        if i in self.extra:
            return self.extra[i][0]
        p = self.chosen[i]
        return -1 if p < 0 else int(self.core.agent[p])

    def exact_eligible(self, i: int) -> tuple[np.ndarray, np.ndarray, bool, bool]:
        """(collectors, distances) that may take case ``i`` for sure, and the flags
        skilled-in-reach and not-all-excluded."""
        approx, ok, eligible = self.eligibility.block(i, i + 1)
        cols = np.flatnonzero(ok[0])
        dist = self.eligibility.road_metres(np.full(len(cols), i), cols)
        limit = self.problem.policy.max_distance_m
        inside = np.ones(len(cols), dtype=bool) if limit is None else dist <= limit
        skilled = bool(inside.any())
        allowed = eligible[0, cols] & inside
        return cols[allowed], dist[allowed], skilled, bool(allowed.any())

    def room(self, cols: np.ndarray, i: int) -> np.ndarray:
        core = self.core
        w = self.workload[i]
        ok = np.ones(len(cols), dtype=bool)
        cap_w, cap_c = core.cap_weight[cols], core.cap_count[cols]
        ok &= (cap_w < 0) | (self.load[cols] - core.base_weight[cols] + w <= cap_w)
        ok &= (cap_c < 0) | (self.count[cols] + 1 <= cap_c)
        return ok

    def balance_delta(self, cols: np.ndarray, w: int) -> np.ndarray:
        """Extra balance penalty (objective units) of adding ``w`` to each of ``cols``."""
        core = self.core
        t, cost = core.balance_tolerance_pct, core.balance_penalty
        if t is None or not cost or core.num_agents < 2:
            return np.zeros(len(cols))
        k = core.num_agents
        total = int(self.load.sum())
        before = model.band_excess(self.load, total, k, t).sum()
        after_all = model.band_excess(self.load, total + w, k, t)
        after = after_all.sum() - after_all[cols] + model.band_excess(self.load[cols] + w, total + w, k, t)
        return cost * (after - before)

    def objective(self) -> int:
        """Scores of all placed cases, minus mandatory cases left out, minus the balance band
        penalty of the final loads (objective units)."""
        core = self.core
        placed = self.chosen >= 0
        total = int(core.score[self.chosen[placed]].sum())
        total += sum(score for _, score, _ in self.extra.values())
        out = ~placed
        out[list(self.extra)] = False
        total -= int(core.left_out_penalty[out].sum())
        return total - int(self.band_penalty(self.load))

    def band_penalty(self, loads: np.ndarray) -> float:
        """Balance penalty of these loads (objective units)."""
        core = self.core
        t, cost = core.balance_tolerance_pct, core.balance_penalty
        if t is None or not cost or core.num_agents < 2:
            return 0.0
        return cost * float(model.band_excess(loads, int(loads.sum()), core.num_agents, t).sum())

    def fill(self) -> dict[int, Unallocated]:
        """Offer each unallocated case (mandatory first, then by value) to everyone who may take
        it; return the reasons of those still left out."""
        cases = self.problem.cases
        policy = self.problem.policy
        current = self.eligibility.current
        waiting = [int(i) for i in np.flatnonzero(self.chosen < 0)]
        waiting.sort(key=lambda i: (not cases[i].mandatory, -cases[i].value, i))
        reasons: dict[int, Unallocated] = {}
        for i in waiting:
            cols, dist, skilled, allowed = self.exact_eligible(i)
            if not skilled:
                reasons[i] = Unallocated.NO_COLLECTOR_IN_REACH
                continue
            if not allowed:
                reasons[i] = Unallocated.EXCLUDED
                continue
            room = self.room(cols, i)
            if not room.any():
                reasons[i] = Unallocated.ALL_FULL
                continue
            cols, dist = cols[room], dist[room]
            kept = cols == current[i]
            score = SCALE * (cases[i].value - burden(dist, policy)
                             + policy.continuity_bonus * kept)
            worth = score > 0 if not cases[i].mandatory else np.ones(len(cols), dtype=bool)
            if not worth.any():
                reasons[i] = Unallocated.NOT_WORTH_IT
                continue
            moves = (current[i] >= 0) & ~kept
            if self.core.max_moves is not None and self.moves >= self.core.max_moves:
                worth &= ~moves
                if not worth.any():
                    reasons[i] = Unallocated.REASSIGNMENT_CAP
                    continue
            net = score - self.balance_delta(cols, int(self.workload[i]))
            net = np.where(worth, net, -np.inf)
            best = int(np.argmax(net))
            if net[best] <= 0 and not cases[i].mandatory:
                reasons[i] = Unallocated.WOULD_UNBALANCE
                continue
            j = int(cols[best])
            self.extra[i] = (j, int(score[best]), int(dist[best]))
            self.load[j] += self.workload[i]
            self.count[j] += 1
            self.moves += int(moves[best])
        return reasons


def _report(problem: AllocationProblem, state: _State, reasons, method, status, objective,
            bound, gap, seconds) -> AllocationResult:
    cases, collectors = problem.cases, problem.collectors
    cand = state.candidates
    allocations = []
    per_collector: list[list[str]] = [[] for _ in collectors]
    value = np.zeros(len(collectors), dtype=np.int64)
    for i, case in enumerate(cases):
        j = state.collector_of(i)
        if j < 0:
            continue
        if i in state.extra:
            distance = state.extra[i][2]
        else:
            distance = int(cand.distance[state.chosen[i]])
        allocations.append(CaseAllocation(case.id, collectors[j].id,
                                          _placement(state, i, j, distance), distance,
                                          case.workload, case.value))
        per_collector[j].append(case.id)
        value[j] += case.value
    loads = tuple(
        CollectorLoad(k.id, tuple(per_collector[j]), len(per_collector[j]), int(state.load[j]),
                      int(value[j]),
                      None if not k.capacity_workload else round(
                          int(state.load[j]) / k.capacity_workload, 4))
        for j, k in enumerate(collectors))
    unallocated = tuple(UnallocatedCase(cases[i].id, r, cases[i].mandatory)
                        for i, r in sorted(reasons.items()))
    current = state.eligibility.current
    reassigned = sum(1 for i in range(len(cases))
                     if current[i] >= 0 and state.collector_of(i) not in (-1, current[i]))
    return AllocationResult(method, status, objective, bound, gap, tuple(allocations), loads,
                            unallocated, reassigned, seconds)


def _placement(state: _State, i: int, j: int, distance: int) -> Placement:
    if state.eligibility.current[i] == j:
        return Placement.KEPT_CURRENT
    cand = state.candidates
    mine = cand.of_case(i)
    nearer = cand.collector[mine][cand.distance[mine] < distance]
    if len(nearer) == 0:
        return Placement.NEAREST
    if not state.room(nearer.astype(np.int64), i).any():
        return Placement.NEAREST_WITH_ROOM
    return Placement.TRADE_OFF
