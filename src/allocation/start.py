"""A first assignment for tight capacities: tabu search that may overfill agents for a while.

On instances where every agent is nearly full (Yagiura's type E, 80 agents x 1,600 items),
CP-SAT can spend a minute without finding any assignment that fits. Here each item starts at
its best pair under the capacity prices of the Lagrangian relaxation (mostly where the LP puts
it, a little over capacity), then single items move, one at a time, to the pair that lowers
``cost + alpha * overflow`` most. ``alpha`` rises while the assignment overflows and falls
while it fits (strategic oscillation), and an item may not return at once to a pair it just
left (tabu). The best fitting assignment seen is returned. Every move is priced for all pairs
at once with NumPy.

The cap on moves and the balance band are not seen here; the caller keeps the result only if
it meets every hard constraint."""

from __future__ import annotations

import time

import numpy as np

from allocation.model import Assignment

# Iterations after the best fitting assignment last improved before the search gives up.
PATIENCE_PER_ITEM = 3
MIN_PATIENCE = 200
# Moves before an item may go back to a pair it left: TENURE plus a random part.
TENURE = 7
TENURE_SPREAD = 10
# Factor on alpha per iteration while overflowing (after a few) and while fitting.
ALPHA_STEP = 1.05


def penalised_search(problem: Assignment, priced: np.ndarray, *, deadline: float,
                     seed: int = 0) -> np.ndarray | None:
    """Pair per item (-1: not assigned) meeting counts and weight capacities, or ``None``.
    ``priced`` is each pair's score net of its agent's capacity prices."""
    n, m = problem.num_items, problem.num_agents
    item, agent = problem.item, problem.agent
    if len(item) == 0:
        return None
    cost = -problem.score.astype(float)
    weight = problem.weight.astype(float)
    cap_w = np.where(problem.cap_weight >= 0, problem.cap_weight, np.inf).astype(float)
    cap_c = np.where(problem.cap_count >= 0, problem.cap_count, np.inf).astype(float)
    # Items may also be left out (at their penalty) unless required: pair index -1.
    out_cost = np.where(problem.required, np.inf, problem.left_out_penalty.astype(float))
    # A case counts as much overflow as a mean weight.
    count_unit = max(1.0, float(weight.mean()))
    chosen = _best_priced(problem, priced)
    if ((chosen < 0) & problem.required).any():
        return None  # a required item without any pair
    held = chosen >= 0
    load = np.bincount(agent[chosen[held]], weights=weight[chosen[held]], minlength=m)
    count = np.bincount(agent[chosen[held]], minlength=m).astype(float)
    alpha = max(1e-3, float(np.median(np.abs(cost)) / max(1.0, float(np.median(weight)))))
    tabu = np.zeros(len(item), dtype=np.int64)
    rng = np.random.default_rng(seed)
    best, best_cost = None, np.inf
    over = _overflow(load, count, cap_w, cap_c, count_unit)
    # Cost of the current assignment; items not assigned are optional, at their penalty.
    cost_now = np.where(chosen >= 0, cost[np.maximum(chosen, 0)], out_cost)
    current = float(cost_now.sum())
    patience = max(MIN_PATIENCE, PATIENCE_PER_ITEM * n)
    since_best = 0
    overflowing = 0
    iteration = 0
    while time.monotonic() < deadline and (best is None or since_best < patience):
        iteration += 1
        holder = np.where(chosen >= 0, agent[np.maximum(chosen, 0)], -1)
        # Change of overflow when item i leaves its agent, per item.
        j = np.maximum(holder, 0)
        w_now = np.where(chosen >= 0, weight[np.maximum(chosen, 0)], 0.0)
        leave = np.where(holder >= 0, _overflow(load[j] - w_now, count[j] - 1, cap_w[j], cap_c[j],
                                                count_unit) - over[j], 0.0)
        # Change of overflow when the item of pair p arrives at the agent of p.
        arrive = _overflow(load[agent] + weight, count[agent] + 1, cap_w[agent], cap_c[agent],
                           count_unit) - over[agent]
        same = holder[item] == agent
        d_cost = cost - cost_now[item]
        d_over = np.where(same, np.inf, arrive + leave[item])
        delta = d_cost + alpha * d_over
        total_over = float(over.sum())
        # Aspiration: a tabu move is allowed when it gives the best fitting assignment yet.
        fits_better = (total_over + d_over <= 1e-9) & (current + d_cost < best_cost - 1e-9)
        delta = np.where((tabu > iteration) & ~fits_better, np.inf, delta)
        # Leaving an optional item out.
        out_delta = np.where(np.isinf(out_cost) | (chosen < 0), np.inf,
                             out_cost - cost_now + alpha * leave)
        p = int(np.argmin(delta))
        i_out = int(np.argmin(out_delta))
        if min(delta[p], out_delta[i_out]) == np.inf:
            break
        if out_delta[i_out] < delta[p]:
            i, new = i_out, -1
        else:
            i, new = int(item[p]), p
        old = int(chosen[i])
        if old >= 0:
            load[agent[old]] -= weight[old]
            count[agent[old]] -= 1
            tabu[old] = iteration + TENURE + int(rng.integers(TENURE_SPREAD))
        if new >= 0:
            load[agent[new]] += weight[new]
            count[agent[new]] += 1
        chosen[i] = new
        new_cost = out_cost[i] if new < 0 else cost[new]
        current += new_cost - cost_now[i]
        cost_now[i] = new_cost
        since_best += 1
        over = _overflow(load, count, cap_w, cap_c, count_unit)
        if float(over.sum()) <= 1e-9:
            overflowing = 0
            alpha = max(1e-3, alpha / ALPHA_STEP)
            if current < best_cost - 1e-9:
                best, best_cost, since_best = chosen.copy(), current, 0
        else:
            overflowing += 1
            if overflowing > 3:
                alpha *= ALPHA_STEP
    return best


def _overflow(load, count, cap_w, cap_c, count_unit):
    return (np.maximum(0.0, load - cap_w) + count_unit * np.maximum(0.0, count - cap_c))


def pair_ranks(problem: Assignment, priced: np.ndarray) -> np.ndarray:
    """Each pair's rank among its item's pairs by ``priced`` (0: the item's best)."""
    order = np.lexsort((-priced, problem.item))
    sorted_items = problem.item[order]
    rank = np.empty(len(priced), dtype=np.int64)
    rank[order] = np.arange(len(order)) - np.searchsorted(sorted_items, sorted_items)
    return rank


def top_pairs(problem: Assignment, priced: np.ndarray, k: int) -> np.ndarray:
    """Mask of each item's ``k`` best pairs by ``priced``."""
    return pair_ranks(problem, priced) < k


def _best_priced(problem: Assignment, priced: np.ndarray) -> np.ndarray:
    """Each item's best priced pair (-1 where leaving it out is better or it has none)."""
    first = np.flatnonzero(top_pairs(problem, priced, 1))
    chosen = np.full(problem.num_items, -1, dtype=np.int64)
    chosen[problem.item[first]] = first
    worse = ~problem.required[problem.item[first]] & (
        priced[first] < -problem.left_out_penalty[problem.item[first]])
    chosen[problem.item[first[worse]]] = -1
    return chosen
