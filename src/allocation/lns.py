"""Large-neighbourhood search over an :class:`~allocation.model.Assignment`: free a few agents
(every item they hold, and the items nobody holds that they could take), solve that small
problem exactly with CP-SAT starting from the current assignment, keep it when it is better,
repeat until the deadline. The neighbourhood grows while its problems solve fast.

Agents interact only through their items, the cap on moves and the balance band; the move cap
is split (moves outside the neighbourhood are fixed) and the band is kept around one fixed
centre, so each small problem is exactly the whole problem restricted to the freed agents."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np

from allocation import model
from allocation.bound import lagrangian_prices
from allocation.model import Assignment, Result

# Share of the time limit for the first CP-SAT run on the whole problem; it may go on up to the
# second share until it finds a solution.
FIRST_SHARE = 0.3
FIRST_SHARE_NO_SOLUTION = 0.7
# Share of neighbourhoods that free items across all agents rather than whole agents.
ITEM_SHARE = 0.5
# Items freed per agent of the neighbourhood size, in item neighbourhoods.
ITEMS_PER_AGENT = 10
# Longest time given to one neighbourhood.
STEP_SECONDS = 0.3


def solve(problem: Assignment, *, time_limit: float, seed: int = 0, workers: int = 1,
          hint: np.ndarray | None = None,
          on_solution: Callable[[float, float], None] | None = None) -> Result:
    """CP-SAT on the whole problem, then large-neighbourhood search for the rest of the time
    unless CP-SAT proved optimality. The bound is CP-SAT's."""
    started = time.monotonic()
    deadline = started + time_limit
    # A greedy start (a few seconds at most), in case CP-SAT finds nothing.
    start = greedy(problem, seconds=0.05 * time_limit) if hint is None else hint
    # CP-SAT on the whole problem for a share of the time; longer while it has no solution
    # and there is no greedy start either.
    first = model.solve_exact(
        problem, time_limit=time_limit * (FIRST_SHARE if start is not None
                                          else FIRST_SHARE_NO_SOLUTION),
        seed=seed, workers=workers, hint=hint, on_solution=on_solution,
        stop_after=time_limit * FIRST_SHARE)
    if first.status == "unknown" and start is not None:
        first = Result(start, model.objective(problem, start), first.bound, "feasible",
                       time.monotonic() - started)
    elif first.status == "unknown" and deadline - time.monotonic() > 1.0:
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
                     bound=first.bound, on_solution=on_solution, priced=priced)
    value = fixed_objective(problem, chosen, _centre(problem, chosen))
    status = "optimal" if first.bound is not None and value >= first.bound - 1e-9 else "feasible"
    return Result(chosen, value, first.bound, status, time.monotonic() - started)


def improve(problem: Assignment, chosen: np.ndarray, *, deadline: float, seed: int = 0,
            bound: float | None = None,
            on_solution: Callable[[float, float], None] | None = None,
            priced: np.ndarray | None = None) -> np.ndarray:
    """Improve a feasible ``chosen`` (pair per item, -1: not assigned) until ``deadline``.
    ``priced`` is each pair's score net of its agent's capacity prices (default: the score)."""
    priced = problem.score if priced is None else priced
    rng = np.random.default_rng(seed)
    chosen = chosen.copy()
    m = problem.num_agents
    centre = _centre(problem, chosen)
    value = fixed_objective(problem, chosen, centre)
    size = min(m, 3)
    while time.monotonic() < deadline - 0.02:
        if bound is not None and value >= bound - 1e-9:
            break
        if rng.random() < ITEM_SHARE:
            sub, items, pairs = _free_items(problem, chosen, _items(problem, chosen, size, rng, priced),
                                            centre)
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
                                   hint=hint)
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


# Largest items x agents for the dense greedy (each placement scans every cell).
GREEDY_MAX_CELLS = 500_000


def greedy(problem: Assignment, *, seconds: float = 3.0) -> np.ndarray | None:
    """A feasible assignment, or None if it leaves a required item out; for a start only.

    First by regret (Martello-Toth): items are placed one at a time, the item whose best agent
    with room is most ahead of its second best first (an item with a single such agent, before
    all), on the agent where it takes the smallest share of the room left: this ignores the
    score but fits tight instances. Then, for up to ``seconds``, shifts (the item that gains
    most by moving to an agent with room moves) and swaps of two items' agents, while they gain.
    Ignores the move cap and balance."""
    n, m = problem.num_items, problem.num_agents
    if n * m > GREEDY_MAX_CELLS or problem.max_moves is not None or n == 0:
        return None
    pair = np.full((n, m), -1, dtype=np.int64)
    pair[problem.item, problem.agent] = np.arange(len(problem.item))
    weight = np.where(pair >= 0, problem.weight[np.maximum(pair, 0)], 0).astype(float)
    score = np.where(pair >= 0, problem.score[np.maximum(pair, 0)], 0).astype(float)
    room_w = np.where(problem.cap_weight >= 0, problem.cap_weight.astype(float), np.inf)
    room_c = np.where(problem.cap_count >= 0, problem.cap_count.astype(float), np.inf)
    chosen = np.full(n, -1, dtype=np.int64)
    open_items = np.ones(n, dtype=bool)
    deadline = time.monotonic() + seconds
    for _ in range(n):
        if time.monotonic() > deadline:
            return None
        fits = (pair >= 0) & (weight <= room_w) & (room_c >= 1) & open_items[:, None]
        # Desirability: a small share of the agent's room (a full agent takes nothing more).
        share = np.where(fits, weight / np.maximum(room_w, 1e-9), np.inf)
        share = np.where(np.isinf(room_w) & fits, 0.0, share)
        options = fits.sum(axis=1)
        candidates = open_items & (options > 0)
        if not candidates.any():
            break
        ordered = np.sort(share, axis=1)[:, :2]
        with np.errstate(invalid="ignore"):
            regret = np.where(options >= 2, ordered[:, 1] - ordered[:, 0], np.inf)
        regret = np.where(candidates, regret, -np.inf)
        i = int(np.argmax(regret))
        j = int(np.argmin(share[i]))
        chosen[i] = pair[i, j]
        open_items[i] = False
        room_w[j] -= weight[i, j]
        room_c[j] -= 1
    if (problem.required & (chosen < 0)).any():
        return None
    held = chosen >= 0
    agent_of = np.where(held, problem.agent[np.maximum(chosen, 0)], -1)
    rows = np.flatnonzero(held)
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        # Shifts, best first.
        while time.monotonic() < deadline:
            current = np.full(n, -np.inf)
            current[rows] = score[rows, agent_of[rows]]
            fits = (pair >= 0) & (weight <= room_w) & (room_c >= 1) & held[:, None]
            gain = np.where(fits, score - current[:, None], -np.inf)
            i, j = divmod(int(np.argmax(gain)), m)
            if not gain[i, j] > 0:
                break
            _move(i, agent_of[i], j, weight, room_w, room_c)
            agent_of[i], chosen[i] = j, pair[i, j]
        # Swaps: each item with its best partner.
        for i in rows:
            if time.monotonic() >= deadline:
                break
            a, b = agent_of[i], agent_of[rows]
            ok = ((pair[i, b] >= 0) & (pair[rows, a] >= 0) & (b != a)
                  & (room_w[a] + weight[i, a] - weight[rows, a] >= 0)
                  & (room_w[b] + weight[rows, b] - weight[i, b] >= 0))
            gain = np.where(ok, score[i, b] + score[rows, a] - score[i, a] - score[rows, b],
                            -np.inf)
            best = int(np.argmax(gain))
            if gain[best] > 0:
                k, bk = rows[best], b[best]
                _move(i, a, bk, weight, room_w, room_c)
                _move(k, bk, a, weight, room_w, room_c)
                agent_of[i], chosen[i] = bk, pair[i, bk]
                agent_of[k], chosen[k] = a, pair[k, a]
                improved = True
    return chosen


def _move(i: int, old: int, new: int, weight: np.ndarray, room_w: np.ndarray,
          room_c: np.ndarray) -> None:
    room_w[old] += weight[i, old]
    room_c[old] += 1
    room_w[new] -= weight[i, new]
    room_c[new] -= 1


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


def _items(problem: Assignment, chosen: np.ndarray, size: int,
           rng: np.random.Generator, priced: np.ndarray) -> np.ndarray:
    """Items to free: those whose pair is furthest below their best priced pair, and some at
    random."""
    n = problem.num_items
    count = min(n, ITEMS_PER_AGENT * size)
    best = np.full(n, -np.inf)
    np.maximum.at(best, problem.item, priced)
    current = np.where(chosen >= 0, priced[np.maximum(chosen, 0)], 0)
    regret = (best - current).astype(float) * rng.random(n)
    worst = np.argsort(-regret)[:count // 2]
    rest = rng.choice(n, count - len(worst), replace=False)
    return np.unique(np.concatenate([worst, rest]))


def _free_items(problem: Assignment, chosen: np.ndarray, items: np.ndarray,
                centre: float | None) -> tuple[Assignment, np.ndarray, np.ndarray]:
    """The problem of ``items`` over every agent, the other items fixed where they are (their
    load leaves less room)."""
    n, m = problem.num_items, problem.num_agents
    freed = np.zeros(n, dtype=bool)
    freed[items] = True
    fixed = chosen[(chosen >= 0) & ~freed]
    fixed_load = np.bincount(problem.agent[fixed], weights=problem.weight[fixed],
                             minlength=m).astype(np.int64)
    fixed_count = np.bincount(problem.agent[fixed], minlength=m).astype(np.int64)
    pairs = np.flatnonzero(freed[problem.item])
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
