"""A re-planned day as one plan: each collector's fixed visits, then where they went on from,
then the rest of the day as planned."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from routing.problem import Collector, Customer, Problem
from routing.report import summarise
from routing.solution import Plan, Route, Status, Step, StepKind, VisitState


@dataclass(frozen=True)
class Restart:
    """Where (a location of the travel matrix) and when a collector goes on; ``reported``: a
    position the collector sent, not a stop of the plan; ``travelled``: seconds driven before."""

    location: int
    time: int
    reported: bool
    travelled: int = 0


def whole_day(problem: Problem, rest_problem: Problem, rest: Plan, fixed: Iterable,
              restarts: dict[str, Restart], stopped: frozenset[str]) -> Plan:
    """The day's plan in ``problem``'s terms: per collector the fixed visits (``Fixed``, in
    time order), a position step where the collector reported one, then ``rest``'s route."""
    by_collector: dict[str, list] = {}
    for f in sorted(fixed, key=lambda f: f.service_start):
        by_collector.setdefault(f.collector, []).append(f)
    rest_routes = {r.collector: r for r in rest.routes}
    customers = {c.id: c for c in problem.customers}
    routes = []
    for collector in problem.collectors:
        done = by_collector.get(collector.id, [])
        later = rest_routes.get(collector.id)
        if done or later:
            routes.append(_route(problem, customers, collector, done, restarts[collector.id],
                                 later,
                                 collector.id in stopped))
    summary = summarise(problem, routes)
    unassigned = rest.unassigned
    status = (Status.MANDATORY_MISSED if any(u.mandatory for u in unassigned)
              else Status.PARTIAL if unassigned else Status.COMPLETE)
    return Plan(status, tuple(routes), unassigned, summary, rest.solver_status,
                rest.solve_seconds, rest.time_limit_hit)


def _route(problem: Problem, customers: dict[str, Customer], collector: Collector, done: list,
           at: Restart,
           later: Route | None, stopped: bool) -> Route:
    durations, distances = problem.travel.durations, problem.travel.distances
    if done:  # left in time to arrive at the first visit as reported, not before the shift
        first = customers[done[0].customer].location
        start = max(collector.shift_start,
                    done[0].arrival - int(durations[collector.start_location, first]))
    else:
        start = later.steps[0].service_start if later else at.time
    steps = [Step(StepKind.START, collector.start_location, None, start, 0, start, start, 0, 0,
                  VisitState.DONE if done else VisitState.PLANNED)]
    here = collector.start_location

    def go(kind, location, customer, arrival, service_start, service_end, state, waiting=None):
        nonlocal here
        steps.append(Step(kind, location, customer, arrival,
                          service_start - arrival if waiting is None else waiting,
                          service_start, service_end, int(durations[here, location]),
                          int(distances[here, location]), state))
        here = location

    for f in done:
        go(StepKind.VISIT, customers[f.customer].location, f.customer, f.arrival,
           f.service_start, f.service_end,
           VisitState.UNDER_WAY if f.under_way else VisitState.DONE)
    if at.reported and (later is not None or not stopped):
        go(StepKind.POSITION, at.location, None, at.time, at.time, at.time, VisitState.DONE)
    if later is not None:
        for step in later.steps[1:]:
            if step.kind is StepKind.BREAK:
                steps.append(step)
            else:
                go(step.kind, step.location, step.customer, step.arrival, step.service_start,
                   step.service_end, VisitState.PLANNED, step.waiting)
    else:
        end = max(at.time, steps[-1].service_end)
        if not stopped:
            end += int(durations[here, collector.end_location])
        location = here if stopped else collector.end_location
        go(StepKind.END, location, None, end, end, end, VisitState.PLANNED)
    visits = [s for s in steps if s.kind is StepKind.VISIT]
    travel = sum(s.travel_time for s in steps)
    service = sum(s.service_end - s.service_start for s in visits)
    shift = max(1, collector.shift_end - collector.shift_start)
    return Route(collector=collector.id, steps=tuple(steps), visits=len(visits),
                 value=sum(customers[s.customer].value for s in visits), travel_time=travel,
                 distance=sum(s.distance for s in steps), service_time=service,
                 working_time=steps[-1].arrival - steps[0].service_start,
                 utilisation=round((travel + service) / shift, 4))
