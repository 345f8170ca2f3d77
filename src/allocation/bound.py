"""An upper bound on the allocation objective by Lagrangian relaxation of the capacities.

With capacities priced by multipliers, each case simply takes its best priced pair; the best
bound over the multipliers equals the LP bound of the assignment (the per-case subproblem has
integral optima). Balance penalties and the reassignment cap are dropped, which can only raise
the bound, so the bound stays valid. Plain NumPy: one pass over the pairs per iteration.
"""

from __future__ import annotations

import time

import numpy as np

from allocation.model import Assignment


# Without a known solution, the steps aim this share of the best bound below it.
TARGET_SHARE = 0.05


def lagrangian_bound(problem: Assignment, lower: float, *, seconds: float = 2.0,
                     iterations: int = 200) -> float:
    """Best upper bound found by subgradient steps (Polyak step towards ``lower``)."""
    return lagrangian_prices(problem, lower, seconds=seconds, iterations=iterations)[0]


def lagrangian_prices(problem: Assignment, lower: float | None, *, seconds: float = 2.0,
                      iterations: int = 200) -> tuple[float, np.ndarray, np.ndarray]:
    """``(bound, price of a unit of weight per agent, price of a case per agent)`` at the best
    bound found; the prices tell how scarce each agent's room is. ``lower`` is the value of a
    known solution; without one the steps aim a fixed share below the best bound so far."""
    deadline = time.monotonic() + seconds
    order = np.argsort(problem.item, kind="stable")
    item, agent = problem.item[order], problem.agent[order]
    score = problem.score[order].astype(float)
    weight = problem.weight[order].astype(float)
    starts = np.flatnonzero(np.r_[True, item[1:] != item[:-1]]) if len(item) else np.zeros(0, int)
    has_pairs = np.zeros(problem.num_items, dtype=bool)
    has_pairs[item[starts]] = True
    floor = np.where(problem.required, -np.inf, -problem.left_out_penalty.astype(float))
    empty = float(floor[~has_pairs & ~problem.required].sum())
    if (~has_pairs & problem.required).any():
        zeros = np.zeros(problem.num_agents)
        return float("-inf"), zeros, zeros  # a required item cannot be placed at all
    cap_w = problem.cap_weight.astype(float)
    cap_c = problem.cap_count.astype(float)
    lam = np.zeros(problem.num_agents)  # price of a unit of weight
    mu = np.zeros(problem.num_agents)  # price of a case
    free_w, free_c = cap_w < 0, cap_c < 0
    best = float("inf")
    best_lam, best_mu = lam, mu
    theta = 1.0
    stall = 0
    for _ in range(iterations):
        priced = score - lam[agent] * weight - mu[agent]
        top = np.maximum.reduceat(priced, starts) if len(starts) else np.zeros(0)
        value = np.maximum(top, floor[item[starts]])
        bound = float(value.sum()) + empty + float((lam * np.where(free_w, 0, cap_w)).sum()
                                                    + (mu * np.where(free_c, 0, cap_c)).sum())
        if bound < best - 1e-9:
            best, best_lam, best_mu, stall = bound, lam, mu, 0
        else:
            stall += 1
            if stall >= 5:
                theta, stall = theta / 2, 0
        if time.monotonic() > deadline or theta < 1e-4:
            break
        # The chosen pair of each case (first maximum), if it beats leaving the case out.
        is_top = priced == np.repeat(top, np.diff(np.r_[starts, len(priced)]))
        first = np.zeros(len(priced), dtype=bool)
        idx = np.flatnonzero(is_top)
        _, keep = np.unique(item[idx], return_index=True)
        first[idx[keep]] = True
        first &= np.repeat(top > floor[item[starts]], np.diff(np.r_[starts, len(priced)]))
        used_w = np.bincount(agent[first], weights=weight[first], minlength=problem.num_agents)
        used_c = np.bincount(agent[first], minlength=problem.num_agents).astype(float)
        g_w = np.where(free_w, 0.0, cap_w - used_w)
        g_c = np.where(free_c, 0.0, cap_c - used_c)
        norm = float((g_w ** 2).sum() + (g_c ** 2).sum())
        if norm == 0:
            break  # the relaxed choice is feasible: the bound is tight
        target = best - TARGET_SHARE * abs(best) - 1 if lower is None else lower
        step = theta * max(bound - target, 1e-6 * abs(bound) + 1) / norm
        lam = np.maximum(0.0, lam - step * g_w)
        mu = np.maximum(0.0, mu - step * g_c)
    return best, best_lam, best_mu
