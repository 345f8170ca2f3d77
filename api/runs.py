"""One run path per job kind, shared by the CLI, the HTTP job worker and the nightly job: check a
request (which builds the engine problem once), solve it, present the result.

Progress reaches the caller as a dict: ``solutions`` found so far, ``best_objective`` (in the
lender's currency) and, for allocations, ``bound``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import allocation
import routing
from allocation import AllocationProblem
from api.schemas.allocation import (
    OUT_OF_FIELD,
    AllocationRequest,
    placed_cases,
    to_allocation_problem,
    warnings_for,
)
from api.schemas.allocation_out import AllocationResponse
from api.schemas.common import MONEY_SCALE, Unlocated
from api.schemas.follow_up import Held
from api.schemas.plan import PlanContext, PlanRequest, to_problem
from api.schemas.plan_out import PlanResponse
from api.schemas.replan import (
    EventsIn,
    Replan,
    ReplanResponse,
    event_field,
    to_replan,
)
from api.schemas.week import WeekContext, WeekRequest, to_week
from api.schemas.week_out import WeekResponse
from routing import InvalidProblem, Problem

Progress = Callable[[dict], None]


def _ignore(progress: dict) -> None:
    pass


@dataclass(frozen=True, eq=False)
class DayPlan:
    """A checked day-plan request and the engine problem built from it."""

    request: PlanRequest
    problem: Problem
    context: PlanContext


@dataclass(frozen=True, eq=False)
class Allocation:
    """A checked allocation request, its engine problem, the warnings about its inputs and the
    cases the follow-up policy takes out of the field."""

    request: AllocationRequest
    problem: AllocationProblem
    warnings: list[str]
    held: tuple[Held, ...] = ()
    unlocated: tuple[Unlocated, ...] = ()  # cases whose address was not found


def refuse_empty(field: str, items) -> None:
    """The rule for empty input, the same for every command and endpoint that takes work from
    a person: a request or table with no customers (or cases) is refused, as one with no
    collectors is, because it is almost always the wrong file. (Inside a run, an empty part,
    such as a day of the week with no one to visit, is planned as empty.)"""
    if not items:
        error = allocation.InvalidAllocation if field == "cases" else InvalidProblem
        raise error(field, "none given: there is nothing to plan (is it the right file?)")


def check_plan(request: PlanRequest) -> DayPlan:
    """Build the engine problem of a request (raises ``routing.exceptions.InvalidProblem``)."""
    problem, context = to_problem(request)
    return DayPlan(request, problem, context)


def check_plan_terms(request: PlanRequest) -> None:
    """Check the engine's invariants of a request without working out its travel, for a request
    that will be solved elsewhere (raises ``routing.exceptions.InvalidProblem``)."""
    to_problem(request, with_travel=False)


def plan(day: DayPlan, *, started: float | None = None, progress: Progress = _ignore,
         reserve: float = 0.0) -> PlanResponse:
    """Solve a checked day plan. ``started`` (``time.monotonic()``) is when the caller's clock
    began; the time limit counts from there, and the solve ends ``reserve`` seconds before it
    (for the caller's own work afterwards, such as writing outputs)."""
    result = routing.solve(_shortened(day.problem, reserve),
                           on_solution=_progress_of(progress),
                           started=time.monotonic() if started is None else started)
    return PlanResponse.from_plan(result, day.context, day.request)


def _shortened(problem, reserve: float):
    """``problem`` (a day or an allocation) with ``reserve`` seconds less to solve in (never
    less than a tenth of its time limit)."""
    if reserve <= 0:
        return problem
    options = problem.options
    limit = max(options.time_limit - reserve, options.time_limit / 10)
    return replace(problem, options=replace(options, time_limit=limit))


def _progress_of(progress: Progress) -> Callable[[float | None], None]:
    """The engine's callback (each plan's objective in cents) as progress dicts."""
    solutions, best = 0, None

    def on_solution(objective: float | None) -> None:
        nonlocal solutions, best
        solutions += 1
        if objective is not None and (best is None or objective > best):
            best = objective
        progress({"solutions": solutions,
                  "best_objective": None if best is None else round(best / MONEY_SCALE, 2)})

    return on_solution


def check_replan(day: PlanRequest, previous: PlanResponse, events: EventsIn, *,
                 with_travel: bool = True) -> Replan:
    """Check what happened against the day and its plan (raises
    ``routing.exceptions.InvalidProblem`` naming the event at fault); ``with_travel=False``
    for a re-plan that will be solved elsewhere."""
    from routing.replan import rest_of_day

    try:
        job = to_replan(day, previous, events, with_travel=with_travel)
        rest_of_day(job.problem, job.previous, job.events, job.disruption)
    except InvalidProblem as exc:
        raise event_field(exc, events) from None
    return job


def replan(job: Replan, *, started: float | None = None, progress: Progress = _ignore,
           reserve: float = 0.0) -> ReplanResponse:
    """Re-plan the rest of a checked day; ``started`` and ``reserve`` as for ``plan``."""
    from routing.replan import replan as replan_day

    result = replan_day(_shortened(job.problem, reserve), job.previous, job.events,
                        job.disruption,
                        started=time.monotonic() if started is None else started,
                        on_solution=_progress_of(progress))
    return ReplanResponse.from_replan(result, job)


@dataclass(frozen=True, eq=False)
class WeekPlan:
    """A checked week-plan request and the engine's week built from it."""

    request: WeekRequest
    context: WeekContext


def check_week(request: WeekRequest, *, with_travel: bool = True) -> WeekPlan:
    """Build the engine's week of a request (raises ``routing.exceptions.InvalidProblem``);
    ``with_travel=False`` for a request that will be solved elsewhere."""
    return WeekPlan(request, to_week(request, with_travel=with_travel))


def plan_week(job: WeekPlan, *, started: float | None = None, progress: Progress = _ignore,
              reserve: float = 0.0) -> WeekResponse:
    """Solve a checked week; ``started`` and ``reserve`` as for ``plan``."""
    from routing.week import solve_week

    week = job.context.week
    if reserve > 0:
        week = replace(week, problem=_shortened(week.problem, reserve))
    result = solve_week(week, on_solution=_progress_of(progress),
                        started=time.monotonic() if started is None else started)
    return WeekResponse.from_plan(result, job.context, job.request)


def check_allocation(request: AllocationRequest, *, to_locate: bool = False) -> Allocation:
    """Build the engine problem of a request (raises
    ``allocation.exceptions.InvalidAllocation``). Cases whose address was not found are left
    out, to be reported; with ``to_locate`` (on submission), so are cases still to locate."""
    request, unlocated = placed_cases(request, to_locate=to_locate)
    decisions = request.decisions()
    problem = to_allocation_problem(request, decisions)
    held = tuple(Held(request.cases[k].id, d.hold, d.until, request.cases[k].mandatory)
                 for k, d in sorted(decisions.items()) if d.hold in OUT_OF_FIELD)
    return Allocation(request, problem, warnings_for(problem), held, unlocated)


def allocate(job: Allocation, *, started: float | None = None, progress: Progress = _ignore,
             reserve: float = 0.0) -> AllocationResponse:
    """Solve a checked allocation; ``started`` and ``reserve`` as for ``plan``."""
    found = 0

    def on_progress(objective: float, bound: float) -> None:
        nonlocal found
        found += 1
        progress({"solutions": found, "best_objective": round(objective / MONEY_SCALE, 2),
                  "bound": round(bound / MONEY_SCALE, 2)})

    result = allocation.solve(_shortened(job.problem, reserve), on_progress=on_progress,
                              started=time.monotonic() if started is None else started)
    return AllocationResponse.from_result(result, job.warnings, job.held, job.unlocated)
