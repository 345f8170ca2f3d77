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
from dataclasses import dataclass

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
    if len(problem.item) == 0:
        return None
    chosen = _best_priced(problem, priced)
    if ((chosen < 0) & problem.required).any():
        return None  # a required item without any pair
    state = _State.start(problem, chosen)
    rng = np.random.default_rng(seed)
    best, best_cost = None, np.inf
    patience = max(MIN_PATIENCE, PATIENCE_PER_ITEM * problem.num_items)
    since_best = 0
    overflowing = 0
    iteration = 0
    while time.monotonic() < deadline and (best is None or since_best < patience):
        iteration += 1
        move = state.best_move(iteration, best_cost)
        if move is None:
            break
        state.apply(*move, iteration, rng)
        since_best += 1
        if float(state.over.sum()) <= 1e-9:
            overflowing = 0
            state.alpha = max(1e-3, state.alpha / ALPHA_STEP)
            if state.current < best_cost - 1e-9:
                best, best_cost, since_best = state.chosen.copy(), state.current, 0
        else:
            overflowing += 1
            if overflowing > 3:
                state.alpha *= ALPHA_STEP
    return best


@dataclass(eq=False)
class _State:
    """The search's assignment: each item's pair, each agent's load, count and overflow, each
    item's cost, their sum, the weight ``alpha`` of overflow and each pair's tabu tenure."""

    problem: Assignment
    cost: np.ndarray        # per pair: minus its score
    weight: np.ndarray      # per pair
    cap_w: np.ndarray       # per agent (inf: none)
    cap_c: np.ndarray
    out_cost: np.ndarray    # per item: its penalty when left out (inf: required)
    count_unit: float       # a case counts as much overflow as a mean weight
    chosen: np.ndarray
    load: np.ndarray
    count: np.ndarray
    over: np.ndarray
    cost_now: np.ndarray
    current: float
    alpha: float
    tabu: np.ndarray

    @classmethod
    def start(cls, problem: Assignment, chosen: np.ndarray) -> _State:
        m, agent = problem.num_agents, problem.agent
        cost = -problem.score.astype(float)
        weight = problem.weight.astype(float)
        cap_w = np.where(problem.cap_weight >= 0, problem.cap_weight, np.inf).astype(float)
        cap_c = np.where(problem.cap_count >= 0, problem.cap_count, np.inf).astype(float)
        out_cost = np.where(problem.required, np.inf, problem.left_out_penalty.astype(float))
        count_unit = max(1.0, float(weight.mean()))
        held = chosen >= 0
        load = np.bincount(agent[chosen[held]], weights=weight[chosen[held]], minlength=m)
        count = np.bincount(agent[chosen[held]], minlength=m).astype(float)
        alpha = max(1e-3, float(np.median(np.abs(cost)) / max(1.0, float(np.median(weight)))))
        cost_now = np.where(chosen >= 0, cost[np.maximum(chosen, 0)], out_cost)
        return cls(problem, cost, weight, cap_w, cap_c, out_cost, count_unit, chosen, load,
                   count, _overflow(load, count, cap_w, cap_c, count_unit), cost_now,
                   float(cost_now.sum()), alpha, np.zeros(len(problem.item), dtype=np.int64))

    def best_move(self, iteration: int, best_cost: float) -> tuple[int, int] | None:
        """The move (item, new pair or -1 to leave it out) that lowers ``cost + alpha *
        overflow`` most, all pairs priced at once; ``None`` when no move is allowed."""
        item, agent, chosen = self.problem.item, self.problem.agent, self.chosen
        holder = np.where(chosen >= 0, agent[np.maximum(chosen, 0)], -1)
        # Change of overflow when item i leaves its agent, per item.
        j = np.maximum(holder, 0)
        w_now = np.where(chosen >= 0, self.weight[np.maximum(chosen, 0)], 0.0)
        leave = np.where(holder >= 0, _overflow(self.load[j] - w_now, self.count[j] - 1,
                                                self.cap_w[j], self.cap_c[j], self.count_unit)
                         - self.over[j], 0.0)
        # Change of overflow when the item of pair p arrives at the agent of p.
        arrive = _overflow(self.load[agent] + self.weight, self.count[agent] + 1,
                           self.cap_w[agent], self.cap_c[agent], self.count_unit) \
            - self.over[agent]
        d_cost = self.cost - self.cost_now[item]
        d_over = np.where(holder[item] == agent, np.inf, arrive + leave[item])
        delta = d_cost + self.alpha * d_over
        # Aspiration: a tabu move is allowed when it gives the best fitting assignment yet.
        fits_better = ((float(self.over.sum()) + d_over <= 1e-9)
                       & (self.current + d_cost < best_cost - 1e-9))
        delta = np.where((self.tabu > iteration) & ~fits_better, np.inf, delta)
        # Leaving an optional item out.
        out_delta = np.where(np.isinf(self.out_cost) | (chosen < 0), np.inf,
                             self.out_cost - self.cost_now + self.alpha * leave)
        p = int(np.argmin(delta))
        i_out = int(np.argmin(out_delta))
        if min(delta[p], out_delta[i_out]) == np.inf:
            return None
        if out_delta[i_out] < delta[p]:
            return i_out, -1
        return int(item[p]), p

    def apply(self, i: int, new: int, iteration: int, rng: np.random.Generator) -> None:
        """Move item ``i`` to pair ``new`` (-1: out); its old pair becomes tabu for a while."""
        agent = self.problem.agent
        old = int(self.chosen[i])
        if old >= 0:
            self.load[agent[old]] -= self.weight[old]
            self.count[agent[old]] -= 1
            self.tabu[old] = iteration + TENURE + int(rng.integers(TENURE_SPREAD))
        if new >= 0:
            self.load[agent[new]] += self.weight[new]
            self.count[agent[new]] += 1
        self.chosen[i] = new
        new_cost = self.out_cost[i] if new < 0 else self.cost[new]
        self.current += new_cost - self.cost_now[i]
        self.cost_now[i] = new_cost
        self.over = _overflow(self.load, self.count, self.cap_w, self.cap_c, self.count_unit)


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
