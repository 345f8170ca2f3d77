"""The one public entry point of the engine: :func:`solve` turns a problem into a plan.

1. Screen customers by the collection rules (some are left out with a reason before any search).
2. Search with OR-Tools for a share of the time limit (days up to a size, unless value is all),
   then improve the plan by ruin and recreate (:mod:`routing.recreate`) for the rest.
3. Check every route independently of the solver, and insert every left-out customer who still
   fits profitably (mandatory ones whenever they fit at all), so that "day full" is always true.
4. Report routes as timed steps, and every left-out customer with its reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from routing import model as day_model
from routing import recreate, rules
from routing.problem import Problem, route_earnings
from routing.schedule import RouteSchedule, RouteTimer
from routing.solution import (Plan, Reason, Route, Status, Step, StepKind, Summary,
                              Unassigned)

# Hears the objective of each plan found (value units): the greedy first plan, then each plan
# the search finds, then each better plan of ruin and recreate (None while a mandatory customer
# is left out of it).
ProgressCallback = Callable[[float | None], None]


def solve(problem: Problem, *, on_solution: ProgressCallback | None = None,
          started: float | None = None) -> Plan:
    """Plan the day. Honours ``problem.options.time_limit`` counted from ``started`` (a
    ``time.monotonic()`` instant, e.g. when the request arrived, so that building the travel
    matrix counts too; default: now). A plan that serves only part of the customers is a normal
    result."""
    started = time.monotonic() if started is None else started
    options = problem.options
    timer = RouteTimer(problem.customers, problem.travel.durations, problem.travel.distances)
    screening = rules.screen(problem, timer)
    # A plan that cannot fail first: mandatory customers, then the others by value, inserted
    # greedily. Its cost also tells how long the final checks will take.
    fill_started = time.monotonic()
    plan = _Inserter(problem, timer, screening.candidates, [[] for _ in problem.collectors])
    left_out = plan.fill()
    fill_seconds = time.monotonic() - fill_started
    if on_solution is not None:
        on_solution(plan.worth()[1])
    deadline = started + options.time_limit * _SEARCH_SHARE - 1.2 * fill_seconds

    def keep_if_better(routes: list[list[int]], *, strictly: bool = False) -> bool:
        """Fill ``routes`` greedily and take them as the plan if they are worth at least as
        much (``strictly``: more) in the engine's own timing and terms."""
        nonlocal plan, left_out
        searched = _Inserter(problem, timer, screening.candidates, routes)
        searched_left_out = searched.fill()
        worth, current = searched.worth(), plan.worth()
        if worth < current or (strictly and worth == current):
            return False
        plan, left_out = searched, searched_left_out
        return True

    solver_status = "nothing_to_plan"
    pairs = sum(len(c) for c in screening.candidates.values())
    # Where travel only breaks ties, ruin and recreate's first round takes any first plan
    # apart: the whole model's share of the time goes to it instead (see
    # recreate.T_WARM_TIES for what that gained on pr05). Not where travel costs nothing: there
    # it does not even break ties in ruin and recreate, which keeps the first plan unless it
    # finds more value, and the whole model's plan is the one that drives sensibly.
    value_only = (problem.policy.travel_cost_per_hour > 0
                  and recreate.travel_breaks_ties(problem, screening.candidates))
    if screening.candidates and pairs <= _MAX_SEARCH_PAIRS and not value_only:
        # The whole day as one routing model for a share of the time. Not from the greedy
        # plan: measured on all 56 Solomon instances at 10 s, that start gave a mean gap of
        # 5.62% (worst 16.8%) against 5.03% (13.9%) from the search's own.
        now = time.monotonic()
        whole_until = now + (deadline - now) * _WHOLE_MODEL_SHARE
        # Small days: two searches from different first plans, the better kept.
        starts = [None] if pairs > _TWO_STARTS_PAIRS else [None, day_model.cheapest_arc_guided]
        statuses = []
        for k, configure in enumerate(starts):
            # A routing model is closed with its search parameters: one model per search.
            built = day_model.build(problem, screening.candidates, timer.windows)
            now = time.monotonic()
            result = day_model.search(built, deadline=now + (whole_until - now) / (len(starts) - k),
                                      deterministic=options.deterministic,
                                      work_limit=options.work_limit, seed=options.seed,
                                      on_solution=on_solution, configure=configure)
            status = result.status
            if not any(result.routes):
                status += "_greedy_plan"
            elif not keep_if_better(result.routes, strictly=k > 0):
                status += "_greedy_kept"
            statuses.append(status)
        solver_status = "_then_".join(statuses)
    elif screening.candidates:
        # Too large for one model, or value is all: ruin and recreate starts from the greedy
        # plan.
        solver_status = "greedy_plan"
    if screening.candidates:
        # Ruin and recreate for the rest of the time (in deterministic mode, a number of
        # steps set by the work limit, the deadline only as a backstop).
        routes, steps = recreate.improve(
            problem, timer.windows, screening.candidates, plan.routes,
            deadline=deadline, seed=options.seed,
            max_steps=options.work_limit * _STEPS_PER_WORK if options.deterministic else None,
            on_improvement=on_solution)
        if keep_if_better(routes, strictly=True):
            solver_status += f"_recreated_in_{steps}_steps"
    elapsed = time.monotonic() - started
    return _report(problem, plan, screening.excluded, left_out, solver_status, elapsed,
                   elapsed >= options.time_limit * _SEARCH_SHARE)


# The search gets this share of the time limit; the rest is for the checks and the report
# (under a second on a 5,000-customer day). Generated 60 x 5 days, seeds 0-4 at 10 s, ours
# against PyVRP's objective (both re-valued by the independent checker): -1.26 / +205.9 / -0.88
# / -0.09 units at 0.9 (the share before), -0.10 / +205.9 / +0.38 / -0.09 at 0.97; equal on
# seed 0 at both.
_SEARCH_SHARE = 0.97
# Share of the search time for the whole day as one routing model; ruin and recreate
# (routing.recreate) improves its plan for the rest. Measured at 10 s on 12 Solomon instances
# (two per class): mean gap 0.41% with half the time for the model, 0.25% with 0.2, 0.28% with
# 0.05. Before ruin and recreate, the rest went to re-solving a few routes at a time with the
# routing model: 4.70% over all 56.
_WHOLE_MODEL_SHARE = 0.2
# Ruin-and-recreate steps per unit of ``options.work_limit`` in deterministic mode.
_STEPS_PER_WORK = 10
# Above this many (customer, collector) pairs there is no whole model: ruin and recreate
# starts from the greedy plan. Measured on
# generated days: 1,500 x 80 (82,000 pairs) got no plan with a visit from the search in 20 s,
# and 5,000 x 250 (639,000 pairs) none in 120 s while its first-solution phase overran the
# limit by 14 s. Started from the greedy plan instead (possible without lunch breaks), it
# gained 0.003% at 1,500 x 80 in 60 s and nothing at 5,000 x 250, whose 1.8 GB model and
# search overran 120 s by 12 s.
_MAX_SEARCH_PAIRS = 40_000
# Up to this many pairs the whole-day time is split between two searches: OR-Tools' parallel
# cheapest insertion then tabu search, and path cheapest arc then guided local search; the
# better plan is kept. On small days the search settles within a fraction of the time and the
# first plan decides where: generated 60 x 5 days, seeds 0-4 at 10 s, each start alone was
# ahead on some (the first alone missed a 1,000-unit customer on seed 2) and behind on others.
_TWO_STARTS_PAIRS = 1_000
_NO_LIMIT = 2**62


class _Inserter:
    """Cheapest feasible insertion of left-out customers into the routes, in place."""

    def __init__(self, problem: Problem, timer: RouteTimer, candidates: dict[int, tuple[int, ...]],
                 routes: list[list[int]]) -> None:
        self.problem = problem
        self.timer = timer
        self.candidates = candidates
        self.schedules = [timer.schedule(c, r) for c, r in zip(problem.collectors, routes)]
        self.routes = routes
        for k, (collector, route) in enumerate(zip(problem.collectors, routes)):
            if route and self.schedules[k] is None:
                # A route the solver returned that fails the engine's own timing is dropped.
                route.clear()
                self.schedules[k] = timer.schedule(collector, route)
        self._index = {c.id: v for v, c in enumerate(problem.collectors)}
        self._may_go: dict[int, np.ndarray] = {}
        self._gaps = [self._route_gaps(v) for v in range(len(routes))]
        self._all_gaps: np.ndarray | None = None
        # Whether a customer's last search for a profitable place passed over any place for
        # being unprofitable (if not, a search without that condition finds nothing either).
        self._cut_for_profit: dict[int, bool] = {}

    def fill(self) -> dict[int, Reason]:
        """Insert what fits, mandatory customers first (making room by taking out an optional
        visit if need be), then the others by value, until nothing more fits; return the rest
        with their reasons, judged against the final routes."""
        planned = {i for r in self.routes for i in r}
        customers = self.problem.customers
        waiting = [i for i in self.candidates if i not in planned]
        for i in sorted((i for i in waiting if customers[i].mandatory)):
            if not self._insert(i, profitable_only=False):
                self._insert_by_taking_out(i)
        while True:
            planned = {i for r in self.routes for i in r}
            waiting = sorted((i for i in self.candidates if i not in planned),
                             key=lambda i: (not customers[i].mandatory, -customers[i].value, i))
            inserted = [i for i in waiting
                        if self._insert(i, profitable_only=not customers[i].mandatory)]
            if not inserted:
                break
        left_out: dict[int, Reason] = {}
        for i in waiting:
            # The last round tried every waiting customer against these final routes.
            fits = (not customers[i].mandatory and self._cut_for_profit.get(i, True)
                    and self.best_insertion(i, profitable_only=False, first=True) is not None)
            left_out[i] = Reason.NOT_WORTH_THE_TRIP if fits else Reason.DAY_FULL
        return left_out

    def _insert(self, i: int, *, profitable_only: bool) -> bool:
        found = self.best_insertion(i, profitable_only=profitable_only)
        if found is None:
            return False
        _, v, position, schedule = found
        self.routes[v].insert(position, i)
        self._set_schedule(v, schedule)
        return True

    def _set_schedule(self, v: int, schedule: RouteSchedule) -> None:
        self.schedules[v] = schedule
        self._gaps[v] = self._route_gaps(v)
        self._all_gaps = None

    def _route_gaps(self, v: int) -> np.ndarray:
        """The places where a visit could be inserted into route ``v``, one column each; rows:
        collector, position, stop before, stop after, leg between them, earliest departure from
        the stop before, whether that departure bounds the arrival (routes without a break),
        driving time left under the travel cap, load left under the capacity. A full route, or
        one without a timetable, offers none."""
        collector, route, schedule = self.problem.collectors[v], self.routes[v], self.schedules[v]
        if schedule is None or (collector.max_visits is not None
                                and len(route) >= collector.max_visits):
            return np.empty((9, 0), dtype=np.int64)
        customers = self.problem.customers
        stops = np.array([collector.start_location, *(customers[j].location for j in route),
                          collector.end_location], dtype=np.int64)
        n = len(route) + 1
        gaps = np.empty((9, n), dtype=np.int64)
        gaps[0], gaps[1], gaps[2], gaps[3] = v, np.arange(n), stops[:-1], stops[1:]
        gaps[4] = self.timer.durations[stops[:-1], stops[1:]]
        gaps[5] = [collector.shift_start, *(visit.service_end for visit in schedule.visits)]
        gaps[6] = collector.lunch_break is None
        gaps[7] = (_NO_LIMIT if collector.max_travel_time is None
                   else collector.max_travel_time - schedule.travel_time)
        gaps[8] = (_NO_LIMIT if collector.capacity is None
                   else collector.capacity - sum(customers[j].demand for j in route))
        return gaps

    def _insert_by_taking_out(self, i: int) -> bool:
        """Make room for mandatory customer ``i`` by taking out the least valuable optional
        visit whose place it can take; the one taken out is tried again later."""
        customers = self.problem.customers
        best = None
        for v in self.candidates[i]:
            route, collector = self.routes[v], self.problem.collectors[v]
            for j in sorted((j for j in route if not customers[j].mandatory),
                            key=lambda j: customers[j].value):
                if best is not None and customers[j].value >= customers[best[2]].value:
                    break
                rest = [k for k in route if k != j]
                for pos in range(len(rest) + 1):
                    schedule = self.timer.schedule(collector, rest[:pos] + [i] + rest[pos:])
                    if schedule is not None:
                        best = (v, rest[:pos] + [i] + rest[pos:], j, schedule)
                        break
        if best is None:
            return False
        v, route, _, schedule = best
        self.routes[v][:] = route
        self._set_schedule(v, schedule)
        return True

    def worth(self) -> tuple[int, float]:
        """(mandatory visits, value + relationship bonus - travel cost - balance cost): how
        plans are compared, in the model's own terms."""
        problem = self.problem
        mandatory = sum(problem.customers[i].mandatory for r in self.routes for i in r)
        total = sum(route_earnings(problem, collector, route, schedule.travel_time)
                    for collector, route, schedule in zip(problem.collectors, self.routes,
                                                          self.schedules) if route)
        total -= problem.policy.balance_cost_per_visit * max((len(r) for r in self.routes),
                                                             default=0)
        return mandatory, total

    def best_insertion(self, i: int, *, profitable_only: bool, first: bool = False
                       ) -> tuple[float, int, int, RouteSchedule] | None:
        """The most profitable feasible (vehicle, position) for customer ``i`` (with ``first``:
        the first feasible one in route order).

        The extra travel and gain of every place in every allowed route are computed at once;
        places are then timed exactly, best first, until one fits."""
        if self._all_gaps is None:
            self._all_gaps = np.concatenate(self._gaps, axis=1)
        vehicle, position, before, after, leg, leave, bounded, travel_left, load_left = (
            self._all_gaps)
        customer, policy = self.problem.customers[i], self.problem.policy
        loc = customer.location
        durations = self.timer.durations
        to_visit = durations[before, loc].astype(np.int64)
        extra = to_visit + durations[loc, after] - leg
        # Departure times only grow when a visit is inserted (without a break): a place
        # from which the visit cannot start in time is no place for it.
        ok = (self._may_go_with(i)[vehicle] & (extra <= travel_left)
              & (customer.demand <= load_left)
              & ~((bounded == 1) & (leave + to_visit > self.timer.windows[i][-1].end)))
        bonus = np.zeros(len(self.problem.collectors))
        preferred = self._index.get(customer.preferred_collector)
        if preferred is not None:
            bonus[preferred] = policy.preferred_bonus
        gain = customer.value + bonus[vehicle] - extra * policy.travel_cost_per_hour / 3600
        if profitable_only:
            self._cut_for_profit[i] = bool((ok & (gain <= 0)).any())
            ok &= gain > 0
        places = np.flatnonzero(ok)
        if not first:
            places = places[np.argsort(-gain[places], kind="stable")]
        for e in places.tolist():
            v, pos = int(vehicle[e]), int(position[e])
            route = self.routes[v]
            schedule = self.timer.schedule(self.problem.collectors[v],
                                           route[:pos] + [i] + route[pos:])
            if schedule is not None:
                return float(gain[e]), v, pos, schedule
        return None

    def _may_go_with(self, i: int) -> np.ndarray:
        """Customer ``i``'s candidate collectors as a mask over all collectors."""
        mask = self._may_go.get(i)
        if mask is None:
            mask = np.zeros(len(self.problem.collectors), dtype=bool)
            mask[list(self.candidates[i])] = True
            self._may_go[i] = mask
        return mask


def _report(problem: Problem, plan: _Inserter, excluded: dict[int, Reason],
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
    summary = _summary(problem, out_routes, routes)
    if any(u.mandatory for u in unassigned):
        status = Status.MANDATORY_MISSED
    else:
        status = Status.PARTIAL if unassigned else Status.COMPLETE
    return Plan(status, tuple(out_routes), unassigned, summary, solver_status, elapsed,
                time_limit_hit)


def _route(problem: Problem, collector, route: list[int], schedule: RouteSchedule) -> Route:
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


def _summary(problem: Problem, out_routes: list[Route], routes: list[list[int]]) -> Summary:
    travel = sum(r.travel_time for r in out_routes)
    service = sum(r.service_time for r in out_routes)
    value = sum(r.value for r in out_routes)
    shifts = sum(max(1, c.shift_end - c.shift_start) for c in problem.collectors) or 1
    travel_cost = travel * problem.policy.travel_cost_per_hour / 3600
    preferred = sum(1 for c, r in zip(problem.collectors, routes) for i in r
                    if problem.customers[i].preferred_collector == c.id)
    return Summary(
        visits=sum(r.visits for r in out_routes), value=value, travel_time=travel,
        distance=sum(r.distance for r in out_routes), service_time=service,
        working_time=sum(r.working_time for r in out_routes),
        utilisation=round((travel + service) / shifts, 4), travel_cost=travel_cost,
        objective=value - travel_cost, preferred_visits=preferred)
