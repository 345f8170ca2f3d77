"""A plan as the engine reports it: routes as timed steps, a summary, every left-out customer
with its reason."""

from __future__ import annotations

from routing.insertion import Inserter
from routing.problem import Collector, Problem, prefers
from routing.schedule import RouteSchedule
from routing.solution import Plan, Reason, Route, Status, Step, StepKind, Summary, Unassigned


def report(problem: Problem, plan: Inserter, excluded: dict[int, Reason],
            left_out: dict[int, Reason], solver_status: str, elapsed: float,
            time_limit_hit: bool) -> Plan:
    routes = plan.routes
    out_routes = [_route(problem, collector, route, schedule)
                  for collector, route, schedule in zip(problem.collectors, routes, plan.schedules)
                  if route]
    reasons = {**excluded, **left_out}
    unassigned = tuple(
        Unassigned(problem.customers[i].id, reasons[i], problem.customers[i].mandatory)
        for i in sorted(reasons))
    summary = summarise(problem, out_routes)
    if any(u.mandatory for u in unassigned):
        status = Status.MANDATORY_MISSED
    else:
        status = Status.PARTIAL if unassigned else Status.COMPLETE
    return Plan(status, tuple(out_routes), unassigned, summary, solver_status, elapsed,
                time_limit_hit)


def _route(problem: Problem, collector: Collector, route: list[int],
           schedule: RouteSchedule) -> Route:
    durations, distances = problem.travel.durations, problem.travel.distances
    brk = collector.lunch_break
    steps = [Step(StepKind.START, collector.start_location, None, schedule.departure, 0,
                  schedule.departure, schedule.departure, 0, 0)]
    prev = collector.start_location
    value = service = 0
    for k, visit in enumerate(schedule.visits):
        customer = problem.customers[visit.customer]
        if schedule.break_gap == k:
            steps.append(_break_step(schedule, brk))
        waiting = visit.service_start - visit.arrival
        if schedule.break_gap == k and schedule.break_start >= visit.arrival:
            waiting -= brk.duration
        steps.append(Step(StepKind.VISIT, customer.location, customer.id, visit.arrival, waiting,
                          visit.service_start, visit.service_end,
                          int(durations[prev, customer.location]),
                          int(distances[prev, customer.location])))
        prev = customer.location
        value += customer.value
        service += customer.service_duration
    if schedule.break_gap == len(route):
        steps.append(_break_step(schedule, brk))
    end = schedule.arrival_at_end
    steps.append(Step(StepKind.END, collector.end_location, None, end, 0, end, end,
                      int(durations[prev, collector.end_location]),
                      int(distances[prev, collector.end_location])))
    shift = max(1, collector.shift_end - collector.shift_start)
    return Route(collector=collector.id, steps=tuple(steps), visits=len(route), value=value,
                 travel_time=schedule.travel_time, distance=schedule.distance,
                 service_time=service, working_time=end - schedule.departure,
                 utilisation=round((schedule.travel_time + service) / shift, 4))


def _break_step(schedule: RouteSchedule, brk) -> Step:
    return Step(StepKind.BREAK, None, None, schedule.break_start, 0, schedule.break_start,
                schedule.break_start + brk.duration, 0, 0)


def summarise(problem: Problem, out_routes: list[Route]) -> Summary:
    """Totals over ``out_routes``, with the objective: value minus the cost of travel."""
    travel = sum(r.travel_time for r in out_routes)
    service = sum(r.service_time for r in out_routes)
    value = sum(r.value for r in out_routes)
    shifts = sum(max(1, c.shift_end - c.shift_start) for c in problem.collectors) or 1
    travel_cost = travel * problem.policy.travel_cost_per_hour / 3600
    by_id = {c.id: c for c in problem.customers}
    collectors = {c.id: c for c in problem.collectors}
    preferred = sum(1 for r in out_routes for s in r.steps
                    if s.customer is not None and prefers(by_id[s.customer],
                                                          collectors[r.collector]))
    return Summary(
        visits=sum(r.visits for r in out_routes), value=value, travel_time=travel,
        distance=sum(r.distance for r in out_routes), service_time=service,
        working_time=sum(r.working_time for r in out_routes),
        utilisation=round((travel + service) / shifts, 4), travel_cost=travel_cost,
        objective=value - travel_cost, preferred_visits=preferred)
