"""The tabu search that finds a first assignment on tight capacities (allocation.start), and
the exact method that uses it. Every assignment is re-checked here from the instance."""

from __future__ import annotations

import time

import numpy as np
import pytest

from allocation import lns
from allocation.model import Assignment, solve_exact
from allocation.start import penalised_search, top_pairs


def tight(agents: int, items: int, seed: int, share: float = 0.8) -> Assignment:
    """Yagiura's type E recipe: weights 1 - 10 ln U, costs 1000 / w - 10 U, every capacity
    ``share`` of the agent's total weight over the agents (at least its largest weight)."""
    rng = np.random.default_rng(seed)
    weight = np.floor(1 - 10 * np.log(rng.random((agents, items)))).astype(np.int64)
    cost = np.floor(1000 / weight - 10 * rng.random((agents, items))).astype(np.int64)
    capacity = np.maximum(share * weight.sum(1) / agents, weight.max(1)).astype(np.int64)
    agent, item = np.divmod(np.arange(agents * items), items)
    return Assignment(
        num_items=items, num_agents=agents, item=item, agent=agent, score=-cost.ravel(),
        weight=weight.ravel(), moves=np.zeros(agents * items, dtype=bool),
        required=np.ones(items, dtype=bool), left_out_penalty=np.zeros(items, dtype=np.int64),
        cap_count=np.full(agents, -1), cap_weight=capacity, base_weight=np.zeros(agents, np.int64))


def check(problem: Assignment, chosen: np.ndarray) -> int:
    """Independent check: each item at most once on one of its own pairs, required items
    placed, counts and weights within capacity. Returns the score."""
    assert chosen.shape == (problem.num_items,)
    placed = chosen >= 0
    assert (problem.item[chosen[placed]] == np.flatnonzero(placed)).all()
    assert placed[problem.required].all()
    for a in range(problem.num_agents):
        mine = chosen[placed][problem.agent[chosen[placed]] == a]
        if problem.cap_weight[a] >= 0:
            assert problem.weight[mine].sum() <= problem.cap_weight[a]
        if problem.cap_count[a] >= 0:
            assert len(mine) <= problem.cap_count[a]
    return int(problem.score[chosen[placed]].sum()
               - problem.left_out_penalty[~placed & ~problem.required].sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_tabu_search_fits_tight_capacities(seed):
    problem = tight(5, 40, seed)
    chosen = penalised_search(problem, problem.score.astype(float),
                              deadline=time.monotonic() + 30, seed=seed)
    assert chosen is not None
    value = check(problem, chosen)
    best = solve_exact(problem, time_limit=30)
    assert best.status == "optimal"
    assert value <= best.objective  # a fitting assignment, not better than the optimum
    assert value >= 1.1 * best.objective  # and not far from it (scores are negative costs)


def test_the_tabu_search_leaves_out_what_does_not_fit_and_counts_cases():
    # Two agents, each taking at most two cases; five optional cases worth 10, 9, 8, 7, 6
    # (left out at no cost) and one required case worth -5 that only agent 0 may take.
    item = np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5])
    agent = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
    score = np.array([10, 10, 9, 9, 8, 8, 7, 7, 6, 6, -5])
    problem = Assignment(
        num_items=6, num_agents=2, item=item, agent=agent, score=score,
        weight=np.ones(11, dtype=np.int64), moves=np.zeros(11, dtype=bool),
        required=np.array([False] * 5 + [True]), left_out_penalty=np.zeros(6, dtype=np.int64),
        cap_count=np.array([2, 2]), cap_weight=np.array([-1, -1]),
        base_weight=np.zeros(2, dtype=np.int64))
    chosen = penalised_search(problem, score.astype(float), deadline=time.monotonic() + 10)
    assert chosen is not None
    assert check(problem, chosen) == 10 + 9 + 8 - 5  # the optimum


def test_a_required_item_without_any_pair_gives_no_assignment():
    problem = Assignment(
        num_items=2, num_agents=1, item=np.array([0]), agent=np.array([0]),
        score=np.array([1]), weight=np.array([1]), moves=np.zeros(1, dtype=bool),
        required=np.array([True, True]), left_out_penalty=np.zeros(2, dtype=np.int64),
        cap_count=np.array([-1]), cap_weight=np.array([5]), base_weight=np.zeros(1, np.int64))
    assert penalised_search(problem, problem.score.astype(float),
                            deadline=time.monotonic() + 5) is None


@pytest.mark.parametrize("first_share", [lns.FIRST_SHARE, 0.0])
def test_the_exact_method_reaches_the_optimum_of_a_tight_instance(monkeypatch, first_share):
    # With no time for the first CP-SAT run, the tabu search gives the first assignment.
    monkeypatch.setattr(lns, "FIRST_SHARE", first_share)
    problem = tight(5, 40, seed=3)
    best = solve_exact(problem, time_limit=30)
    assert best.status == "optimal"
    result = lns.solve(problem, time_limit=10, seed=0)  # it gets there in about 4 s
    assert check(problem, result.chosen) == best.objective


def test_item_neighbourhoods_keep_each_items_best_pairs_and_its_current_one():
    problem = tight(6, 10, seed=4)
    priced = problem.score.astype(float)
    likely = top_pairs(problem, priced, 2)
    for i in range(problem.num_items):
        mine = np.flatnonzero(problem.item == i)
        best_two = mine[np.argsort(-priced[mine], kind="stable")[:2]]
        assert set(np.flatnonzero(likely & (problem.item == i))) == set(best_two)
    chosen = np.array([np.flatnonzero(problem.item == i)[-1] for i in range(problem.num_items)])
    sub, items, pairs = lns.free_items(problem, chosen, np.array([0, 3]), None, likely)
    assert set(items) == {0, 3}
    for i in (0, 3):
        assert set(pairs[problem.item[pairs] == i]) == (
            set(np.flatnonzero(likely & (problem.item == i))) | {chosen[i]})
