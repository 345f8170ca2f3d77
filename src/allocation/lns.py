"""The exact method for an :class:`~allocation.model.Assignment`: CP-SAT on the whole problem
for a share of the time (when it finds nothing, a first assignment from a tabu search that may
overfill agents for a while, :mod:`allocation.start`); then, unless optimality is proven,
large-neighbourhood search: free a few agents (every item they hold, and the items nobody holds
that they could take) or a set of items, each over its current agent and its best agents at
the capacity prices (eight of them, or three for twice as many items), solve that small
problem exactly with
CP-SAT starting from the current assignment, keep it when it is better, repeat until the
deadline. The neighbourhood grows while its problems solve fast.

Agents interact only through their items, the cap on moves and the balance band; the move cap
is split (moves outside the neighbourhood are fixed) and the band is kept around one fixed
centre, so each small problem is exactly the whole problem restricted to the freed agents."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from allocation import model, start
from allocation.bound import lagrangian_prices
from allocation.model import Assignment, Result

# Share of the time limit for the first CP-SAT run on the whole problem. (Letting it go on
# while it has no solution was measured worse: on Yagiura's d801600 it found none in 42 s, and
# the tabu search's start after 18 s did better, 0.87-0.98% against 1.12% at 60 s.)
FIRST_SHARE = 0.3
# Longest share of the time limit for the tabu search that looks for a first assignment when
# CP-SAT has none.
START_SHARE = 0.15
# Of the neighbourhoods that are not wide (WIDE_SHARE below), the share that free items across
# all agents rather than whole agents.
ITEM_SHARE = 0.8
# Items freed per agent of the neighbourhood size, in item neighbourhoods. Three seeds at 60 s,
# mean gap % on d20100 / d40400 / d801600: 0.496 / 0.543 / 0.540 with 10, 0.485 / 0.510 / 0.436
# with 7, 0.550 / 0.536 / 0.483 with 5.
ITEMS_PER_AGENT = 7
# Agents (best at the capacity prices) each freed item may go to, besides its current one.
# Smaller models, more neighbourhoods in the time: at 60 s, c801600 0.37% (was 0.66-0.74%),
# d801600 0.59% (0.92%), e801600 0.38% (0.46-0.79%); d20100 within its spread (0.58%).
ITEM_AGENTS = 8
# Longest time given to one neighbourhood.
STEP_SECONDS = 0.3
# Share of neighbourhoods that are wide: twice as many items per agent of the neighbourhood
# size, each offered only its current agent and its WIDE_AGENTS best at the capacity prices.
# Models of about the same size reach further. Three seeds at 60 s, gap % on d20100 / d40400 / d801600: 0.340 0.420 0.388 /
# 0.415 0.493 0.608 / 0.396 0.446 0.429 with half of them wide (means 0.383 / 0.505 / 0.424),
# 0.582 0.469 0.469 / 0.439 0.489 0.456 / 0.531 0.477 0.440 without (0.507 / 0.461 / 0.483;
# the 0.531 run started while this change was being written and may have run with it).
# Three more seeds on d20100 with half of them wide: 0.372 / 0.420 / 0.550.
WIDE_SHARE = 0.5
WIDE_AGENTS = 3


def solve(problem: Assignment, *, time_limit: float, seed: int = 0, workers: int = 1,
          hint: np.ndarray | None = None,
          on_solution: Callable[[float, float], None] | None = None) -> Result:
    """CP-SAT on the whole problem (when it finds nothing, the tabu search's first assignment),
    then, unless CP-SAT proved optimality, large-neighbourhood search for the rest of the time.
    The bound is CP-SAT's."""
    started = time.monotonic()
    deadline = started + time_limit
    # CP-SAT on the whole problem for a share of the time.
    first = model.solve_exact(problem, time_limit=time_limit * FIRST_SHARE, seed=seed,
                              workers=workers, hint=hint, on_solution=on_solution)
    if first.status == "unknown" and problem.num_agents >= 2:
        # Tight capacities (Yagiura's type E): a first assignment from a tabu search guided by
        # the capacity prices, which may overfill agents for a while.
        guess = _start(problem, seed=seed,
                       deadline=time.monotonic() + START_SHARE * time_limit)
        if guess is not None:
            value = model.objective(problem, guess)
            first = Result(guess, value, first.bound, "feasible", first.seconds)
            if on_solution is not None:
                on_solution(value, first.bound if first.bound is not None else value)
    if first.status == "unknown" and deadline - time.monotonic() > 1.0:
        # Tight capacities: look for any feasible assignment first, then improve it.
        found = model.solve_feasible(problem, time_limit=0.6 * (deadline - time.monotonic()),
                                     seed=seed)
        if found.status == "feasible":
            first = dataclasses.replace(found, bound=first.bound)
    if first.status != "feasible" or problem.num_agents < 2:
        return first
    # Capacity prices of the Lagrangian (LP) relaxation: an item far below its best priced pair
    # is a good one to free.
    _, weight_price, case_price = lagrangian_prices(
        problem, first.objective, seconds=min(1.0, 0.02 * time_limit), iterations=2000)
    priced = (problem.score - weight_price[problem.agent] * problem.weight
              - case_price[problem.agent])
    chosen = improve(problem, first.chosen, deadline=deadline, seed=seed,
                     bound=first.bound, on_solution=on_solution, priced=priced,
                     workers=workers)
    value = fixed_objective(problem, chosen, _centre(problem, chosen))
    status = "optimal" if first.bound is not None and value >= first.bound - 1e-9 else "feasible"
    return Result(chosen, value, first.bound, status, time.monotonic() - started)


def improve(problem: Assignment, chosen: np.ndarray, *, deadline: float, seed: int = 0,
            bound: float | None = None,
            on_solution: Callable[[float, float], None] | None = None,
            priced: np.ndarray | None = None, workers: int = 1) -> np.ndarray:
    """Improve a feasible ``chosen`` (pair per item, -1: not assigned) until ``deadline``.
    ``priced`` is each pair's score net of its agent's capacity prices (default: the score)."""
    priced = problem.score if priced is None else priced
    best_priced = np.full(problem.num_items, -np.inf)
    np.maximum.at(best_priced, problem.item, priced)
    rank = start.pair_ranks(problem, priced)
    likely, few = rank < ITEM_AGENTS, rank < WIDE_AGENTS
    rng = np.random.default_rng(seed)
    chosen = chosen.copy()
    m = problem.num_agents
    centre = _centre(problem, chosen)
    value = fixed_objective(problem, chosen, centre)
    size = min(m, 3)
    while time.monotonic() < deadline - 0.02:
        if bound is not None and value >= bound - 1e-9:
            break
        if rng.random() < WIDE_SHARE:
            freed = _items(problem, chosen, size, rng, priced, best_priced, 2 * ITEMS_PER_AGENT)
            sub, items, pairs = free_items(problem, chosen, freed, centre, few)
        elif rng.random() < ITEM_SHARE:
            freed = _items(problem, chosen, size, rng, priced, best_priced)
            sub, items, pairs = free_items(problem, chosen, freed, centre, likely)
        else:
            agents = _neighbourhood(problem, chosen, size, rng)
            sub, items, pairs = _restrict(problem, chosen, agents, centre)
        if sub.num_items == 0:
            continue
        # ``pairs`` is sorted and holds every current pair of ``items``.
        current = chosen[items]
        hint = np.where(current >= 0, np.searchsorted(pairs, current), -1)
        before = fixed_objective(sub, hint, centre)
        limit = min(STEP_SECONDS, deadline - time.monotonic())
        if limit <= 0.01:
            break
        result = model.solve_exact(sub, time_limit=limit, seed=int(rng.integers(1 << 30)),
                                   hint=hint, workers=workers)
        if result.status in ("optimal", "feasible") and result.objective > before + 1e-9:
            chosen[items] = np.where(result.chosen >= 0, pairs[np.maximum(result.chosen, 0)], -1)
            value += result.objective - before
            if on_solution is not None:
                on_solution(value, bound if bound is not None else value)
        if result.status == "optimal" and result.seconds < 0.25 * limit:
            size = min(m, size + 1)
        elif result.status != "optimal":
            size = max(2, size - 1)
    return chosen


def _start(problem: Assignment, *, deadline: float, seed: int) -> np.ndarray | None:
    """A first assignment meeting every hard constraint, from the tabu search, or ``None``."""
    _, weight_price, case_price = lagrangian_prices(
        problem, None, seconds=min(1.0, 0.2 * (deadline - time.monotonic())), iterations=2000)
    priced = (problem.score - weight_price[problem.agent] * problem.weight
              - case_price[problem.agent])
    chosen = start.penalised_search(problem, priced, deadline=deadline, seed=seed)
    if chosen is None:
        return None
    moves = int(problem.moves[chosen[chosen >= 0]].sum())
    if problem.max_moves is not None and moves > problem.max_moves:
        return None
    return chosen


def fixed_objective(problem: Assignment, chosen: np.ndarray, centre: float | None) -> float:
    """The objective CP-SAT optimises: scores, minus penalties of items left out, minus the
    balance band around the fixed ``centre`` (mean load per agent)."""
    taken = chosen[chosen >= 0]
    value = int(problem.score[taken].sum())
    value -= int(problem.left_out_penalty[chosen < 0].sum())
    t, cost = problem.balance_tolerance_pct, problem.balance_penalty
    if t is not None and cost and centre is not None:
        loads = problem.base_weight + np.bincount(problem.agent[taken],
                                                  weights=problem.weight[taken],
                                                  minlength=problem.num_agents)
        k = problem.num_agents
        value -= int(cost * model.band_excess(loads, centre * k, k, t).sum())
    return float(value)


def _centre(problem: Assignment, chosen: np.ndarray) -> float | None:
    if problem.balance_tolerance_pct is None or not problem.balance_penalty:
        return None
    if problem.balance_centre is not None:
        return problem.balance_centre
    taken = chosen[chosen >= 0]
    return float(problem.base_weight.sum() + problem.weight[taken].sum()) / problem.num_agents


def _neighbourhood(problem: Assignment, chosen: np.ndarray, size: int,
                   rng: np.random.Generator) -> np.ndarray:
    """A random agent and the agents that could take most of its items."""
    m = problem.num_agents
    if size >= m:
        return np.arange(m)
    first = int(rng.integers(m))
    held = chosen[chosen >= 0]
    mine = problem.item[held[problem.agent[held] == first]]
    if len(mine) == 0 or rng.random() < 0.3:
        return rng.choice(m, size, replace=False)
    related = problem.agent[np.isin(problem.item, mine)]
    counts = np.bincount(related, minlength=m).astype(float)
    counts[first] = 0
    counts += rng.random(m) * (counts.max() + 1)  # break ties, and vary the choice
    others = np.argsort(-counts)[:size - 1]
    return np.concatenate([[first], others])


def _restrict(problem: Assignment, chosen: np.ndarray, agents: np.ndarray,
              centre: float | None) -> tuple[Assignment, np.ndarray, np.ndarray]:
    """The problem of ``agents`` with their items and the unheld items they could take:
    ``(sub-problem, global item of each sub item, global pair of each sub pair)``."""
    n, m = problem.num_items, problem.num_agents
    free = np.zeros(m, dtype=bool)
    free[agents] = True
    holder = np.full(n, -1, dtype=np.int64)
    held = chosen >= 0
    holder[held] = problem.agent[chosen[held]]
    in_play = np.where(held, free[np.maximum(holder, 0)] & held, True)
    pair_mask = free[problem.agent] & in_play[problem.item]
    reachable = np.zeros(n, dtype=bool)
    reachable[problem.item[pair_mask]] = True
    items = np.flatnonzero(in_play & reachable)
    # An item held outside stays; an unheld item nobody here can take stays unheld.
    pair_mask &= reachable[problem.item]
    pairs = np.flatnonzero(pair_mask)
    item_index = np.full(n, -1, dtype=np.int64)
    item_index[items] = np.arange(len(items))
    agent_index = np.full(m, -1, dtype=np.int64)
    agent_index[agents] = np.arange(len(agents))
    max_moves = problem.max_moves
    if max_moves is not None:
        in_sub = np.zeros(n, dtype=bool)
        in_sub[items] = True
        outside = chosen[held & ~in_sub]
        max_moves -= int(problem.moves[outside].sum())
    sub = dataclasses.replace(
        problem, num_items=len(items), num_agents=len(agents),
        item=item_index[problem.item[pairs]], agent=agent_index[problem.agent[pairs]],
        score=problem.score[pairs], weight=problem.weight[pairs], moves=problem.moves[pairs],
        required=problem.required[items], left_out_penalty=problem.left_out_penalty[items],
        cap_count=problem.cap_count[agents], cap_weight=problem.cap_weight[agents],
        base_weight=problem.base_weight[agents], max_moves=max_moves,
        balance_centre=centre)
    return sub, items, pairs


def _items(problem: Assignment, chosen: np.ndarray, size: int, rng: np.random.Generator,
           priced: np.ndarray, best_priced: np.ndarray, per_agent: int = ITEMS_PER_AGENT
           ) -> np.ndarray:
    """``per_agent`` items per agent of the neighbourhood ``size`` to free: those whose pair
    is furthest below their best priced pair (``best_priced``, per item), and some at random."""
    n = problem.num_items
    count = min(n, per_agent * size)
    current = np.where(chosen >= 0, priced[np.maximum(chosen, 0)], 0)
    regret = (best_priced - current) * rng.random(n)
    worst = np.argsort(-regret)[:count // 2]
    rest = rng.choice(n, count - len(worst), replace=False)
    return np.unique(np.concatenate([worst, rest]))


def free_items(problem: Assignment, chosen: np.ndarray, items: np.ndarray,
                centre: float | None, likely: np.ndarray | None = None
                ) -> tuple[Assignment, np.ndarray, np.ndarray]:
    """The problem of ``items`` over every agent (over their ``likely`` pairs and current
    ones, if given), the other items fixed where they are (their load leaves less room)."""
    n, m = problem.num_items, problem.num_agents
    freed = np.zeros(n, dtype=bool)
    freed[items] = True
    fixed = chosen[(chosen >= 0) & ~freed]
    fixed_load = np.bincount(problem.agent[fixed], weights=problem.weight[fixed],
                             minlength=m).astype(np.int64)
    fixed_count = np.bincount(problem.agent[fixed], minlength=m).astype(np.int64)
    in_play = freed[problem.item]
    if likely is not None:
        current = np.zeros(len(in_play), dtype=bool)
        current[chosen[(chosen >= 0) & freed]] = True
        in_play &= likely | current
    pairs = np.flatnonzero(in_play)
    item_index = np.full(n, -1, dtype=np.int64)
    item_index[items] = np.arange(len(items))
    max_moves = problem.max_moves
    if max_moves is not None:
        max_moves -= int(problem.moves[fixed].sum())
    sub = dataclasses.replace(
        problem, num_items=len(items), item=item_index[problem.item[pairs]],
        agent=problem.agent[pairs], score=problem.score[pairs], weight=problem.weight[pairs],
        moves=problem.moves[pairs], required=problem.required[items],
        left_out_penalty=problem.left_out_penalty[items],
        cap_count=np.where(problem.cap_count >= 0, problem.cap_count - fixed_count, -1),
        cap_weight=np.where(problem.cap_weight >= 0, problem.cap_weight - fixed_load, -1),
        base_weight=problem.base_weight + fixed_load, max_moves=max_moves,
        balance_centre=centre)
    return sub, items, pairs
