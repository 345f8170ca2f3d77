"""The one public entry point of the engine: :func:`solve` turns a problem into a plan.

1. Prepare: screen customers by the collection rules (some are left out with a reason before
   any search) and derive what every search needs (:mod:`routing.prepare`).
2. A first plan that cannot fail: mandatory customers, then the others by value, inserted
   greedily (:mod:`routing.insertion`).
3. Search with OR-Tools for a share of the time (days up to a size, unless value is all), then
   improve the plan by ruin and recreate (:mod:`routing.search`) for the rest.
4. Check every route independently of the searches, and insert every left-out customer who
   still fits profitably (mandatory ones whenever they fit at all), so that "day full" is
   always true; report routes as timed steps and every left-out customer with its reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from common.budget import Budget
from routing import model as day_model
from routing import search
from routing.insertion import Inserter, still_fitting
from routing.prepare import Prepared, prepare
from routing.problem import Problem
from routing.report import report
from routing.search import DEFAULT, SearchParams
from routing.solution import Plan

# Hears the objective of each plan found (value units): the greedy first plan, then each plan
# the search finds, then each better plan of ruin and recreate (None while a mandatory customer
# is left out of it).
ProgressCallback = Callable[[float | None], None]


def solve(problem: Problem, *, on_solution: ProgressCallback | None = None,
          started: float | None = None, params: SearchParams = DEFAULT,
          initial: Sequence[Sequence[str]] | None = None) -> Plan:
    """Plan the day. Honours ``problem.options.time_limit`` counted from ``started`` (a
    ``time.monotonic()`` instant, e.g. when the request arrived, so that building the travel
    matrix counts too; default: now, after the compiled search is loaded). A plan that serves
    only part of the customers is a normal result.

    ``initial`` (customer ids per collector, in the problem's order of collectors) is a plan to
    start from, such as this morning's plan when re-planning: what of it still fits, in its
    order, is the first plan, filled greedily."""
    search.warm_up()
    started = time.monotonic() if started is None else started
    options = problem.options
    prepared = prepare(problem)
    fill_started = time.monotonic()
    best = _Best(prepared, initial)
    fill_seconds = time.monotonic() - fill_started
    if on_solution is not None:
        on_solution(best.plan.worth()[1])
    # The first plan's cost also tells how long the final checks will take.
    budget = Budget(started + options.time_limit * params.search_share,
                    options.work_limit * params.steps_per_work if options.deterministic
                    else None).less(params.fill_reserve * fill_seconds)
    status = "nothing_to_plan"
    if prepared.candidates:
        status = (_whole_day(prepared, best, budget, params, on_solution)
                  if _whole_day_pays(prepared, params) else "greedy_plan")
        # Ruin and recreate for the rest of the time (in deterministic mode, a number of
        # steps set by the work limit, the deadline only as a backstop).
        routes, steps = search.improve(prepared, best.plan.routes, budget, seed=options.seed,
                                       params=params, on_improvement=on_solution)
        # The search ran until the clock stopped it (not a work limit, not a proof).
        cut = budget.left() == 0.0
        if best.keep_if_better(routes, strictly=True):
            status += f"_recreated_in_{steps}_steps"
    else:
        cut = False
    elapsed = time.monotonic() - started
    return report(problem, best.plan, prepared.excluded, best.left_out, status, elapsed,
                  cut or elapsed >= options.time_limit * params.search_share)


def _whole_day_pays(prepared: Prepared, params: SearchParams) -> bool:
    """Whether the whole day goes to one OR-Tools model first: not above ``max_search_pairs``,
    and not where travel only breaks ties (there ruin and recreate's first round takes any
    first plan apart, so the model's share of the time goes to it instead). Where travel costs
    nothing it still does: there travel does not even break ties in ruin and recreate, which
    keeps the first plan unless it finds more value, and the model's plan drives sensibly."""
    value_only = (prepared.problem.policy.travel_cost_per_hour > 0
                  and prepared.travel_breaks_ties)
    return prepared.pairs <= params.max_search_pairs and not value_only


def _whole_day(prepared: Prepared, best: _Best, budget: Budget, params: SearchParams,
               on_solution: ProgressCallback | None) -> str:
    """The whole day as one routing model for a share of the time (not from the greedy plan:
    the search's own first plan did better); small days twice, from different first plans.
    Returns how each search ended."""
    options = prepared.problem.options
    whole = budget.share(params.whole_model_share)
    starts = ([None] if prepared.pairs > params.two_starts_pairs
              else [None, day_model.cheapest_arc_guided])
    statuses = []
    for k, configure in enumerate(starts):
        # A routing model is closed with its search parameters: one model per search.
        built = day_model.build(prepared)
        result = day_model.search(built, deadline=whole.share(1 / (len(starts) - k)).deadline,
                                  deterministic=options.deterministic,
                                  work_limit=options.work_limit, seed=options.seed,
                                  on_solution=on_solution, configure=configure)
        status = result.status
        if not any(result.routes):
            status += "_greedy_plan"
        elif not best.keep_if_better(result.routes, strictly=k > 0):
            status += "_greedy_kept"
        statuses.append(status)
    return "_then_".join(statuses)


class _Best:
    """The best plan so far, always filled greedily and timed by the engine's own timing."""

    def __init__(self, prepared: Prepared, initial: Sequence[Sequence[str]] | None) -> None:
        self.prepared = prepared
        routes = ([[] for _ in prepared.problem.collectors] if initial is None
                  else still_fitting(prepared, initial))
        self.plan = Inserter(prepared, routes)
        self.left_out = self.plan.fill()

    def keep_if_better(self, routes: list[list[int]], *, strictly: bool = False) -> bool:
        """Fill ``routes`` greedily and take them as the plan if they are worth at least as
        much (``strictly``: more) in the engine's own timing and terms."""
        searched = Inserter(self.prepared, routes)
        left_out = searched.fill()
        worth, current = searched.worth(), self.plan.worth()
        if worth < current or (strictly and worth == current):
            return False
        self.plan, self.left_out = searched, left_out
        return True
