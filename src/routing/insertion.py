"""Cheapest feasible insertion in plain Python, timed exactly by :mod:`routing.schedule`.

The first plan of every day (mandatory customers first, then the others by value) and the final
check of every searched plan: what the searches return is re-timed here, and every left-out
customer who still fits profitably (a mandatory one whenever it fits at all) is put in, so that
"day full" is always true.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from routing.prepare import Prepared
from routing.problem import route_earnings
from routing.schedule import RouteSchedule
from routing.solution import Reason

_NO_LIMIT = 2**62


def still_fitting(prepared: Prepared, routes: Sequence[Sequence[str]]) -> list[list[int]]:
    """Routes given as customer ids per collector, each kept in its order as far as it still
    fits: a visit the collector may not make, or that does not fit after the ones kept before
    it, is left out (the insertion may place it again)."""
    problem, timer = prepared.problem, prepared.timer
    if len(routes) != len(problem.collectors):
        raise ValueError(f"{len(routes)} routes for {len(problem.collectors)} collectors")
    index = {c.id: i for i, c in enumerate(problem.customers)}
    placed: set[int] = set()
    kept: list[list[int]] = []
    for v, (collector, ids) in enumerate(zip(problem.collectors, routes)):
        route: list[int] = []
        for customer in ids:
            i = index.get(customer)
            if (i is None or i in placed or v not in prepared.candidates.get(i, ())
                    or timer.schedule(collector, [*route, i]) is None):
                continue
            route.append(i)
            placed.add(i)
        kept.append(route)
    return kept


class Inserter:
    """Cheapest feasible insertion of left-out customers into the routes, in place."""

    def __init__(self, prepared: Prepared, routes: list[list[int]]) -> None:
        problem = prepared.problem
        timer = prepared.timer
        self.problem = problem
        self.timer = timer
        self.candidates = prepared.candidates
        self.schedules = [timer.schedule(c, r) for c, r in zip(problem.collectors, routes)]
        self.routes = routes
        for k, (collector, route) in enumerate(zip(problem.collectors, routes)):
            if route and self.schedules[k] is None:
                # A route the solver returned that fails the engine's own timing is dropped.
                route.clear()
                self.schedules[k] = timer.schedule(collector, route)
        self._index = {c.id: v for v, c in enumerate(problem.collectors)}
        self._factors = np.array([c.value_factor for c in problem.collectors])
        self._routes_of: dict[str, list[int]] = {}  # collector id or person -> their routes
        for v, c in enumerate(problem.collectors):
            for name in {c.id, c.person} - {None}:
                self._routes_of.setdefault(name, []).append(v)
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
        the stop before and latest start at the stop after (both as if there were no break:
        a break only makes departures later and latest starts earlier, so they bound every
        timetable), driving time left under the travel cap, load left under the capacity. A
        full route, or one without a timetable, offers none."""
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
        gaps[5], gaps[6] = self._slack(collector, route, gaps[4])
        gaps[7] = (_NO_LIMIT if collector.max_travel_time is None
                   else collector.max_travel_time - schedule.travel_time)
        gaps[8] = (_NO_LIMIT if collector.capacity is None
                   else collector.capacity - sum(customers[j].demand for j in route))
        return gaps

    def _slack(self, collector, route: list[int], legs: np.ndarray
               ) -> tuple[list[int], list[int]]:
        """Of each gap of a route, without its break: the earliest departure from the stop
        before (a forward pass from the shift's start) and the latest start at the stop after
        that still lets the rest of the route end in the shift (a backward pass from its end;
        the end of the shift for the last gap)."""
        customers, windows = self.problem.customers, self.timer.windows
        leave = [collector.shift_start]
        for k, i in enumerate(route):
            ready = leave[-1] + int(legs[k])
            start = next((max(ready, w.start) for w in windows[i] if ready <= w.end), ready)
            leave.append(start + customers[i].service_duration)
        latest = [collector.shift_end]
        for k in range(len(route) - 1, -1, -1):
            i = route[k]
            bound = latest[-1] - int(legs[k + 1]) - customers[i].service_duration
            latest.append(max((min(w.end, bound) for w in windows[i] if w.start <= bound),
                              default=-_NO_LIMIT))
        return leave, latest[::-1]

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
        ok, extra = self.open_places(i)
        vehicle, position = self._all_gaps[0], self._all_gaps[1]
        customer, policy = self.problem.customers[i], self.problem.policy
        bonus = np.zeros(len(self.problem.collectors))
        preferred = self._routes_of.get(customer.preferred_collector)
        if preferred is not None:
            bonus[preferred] = policy.preferred_bonus
        gain = (customer.value * self._factors[vehicle] + bonus[vehicle]
                - extra * policy.travel_cost_per_hour / 3600)
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

    def open_places(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Of every place in every route (the columns of the gaps), whether customer ``i``
        might fit there, and the extra travel it would cost. A place is closed when the
        collector may not go, the travel cap or the load would be exceeded, or, even without a
        break, the visit could not start in its window or the next stop would be reached too
        late; an open place may still fail the exact timing."""
        if self._all_gaps is None:
            self._all_gaps = np.concatenate(self._gaps, axis=1)
        vehicle, _, before, after, leg, leave, latest, travel_left, load_left = self._all_gaps
        customer = self.problem.customers[i]
        durations = self.timer.durations
        to_visit = durations[before, customer.location].astype(np.int64)
        from_visit = durations[customer.location, after].astype(np.int64)
        extra = to_visit + from_visit - leg
        arrival = leave + to_visit
        start = np.full(len(arrival), _NO_LIMIT, dtype=np.int64)
        for w in reversed(self.timer.windows[i]):  # the first window still open wins
            start = np.where(arrival <= w.end, np.maximum(arrival, w.start), start)
        ok = (self._may_go_with(i)[vehicle] & (extra <= travel_left)
              & (customer.demand <= load_left) & (start < _NO_LIMIT)
              & (start + customer.service_duration + from_visit <= latest))
        return ok, extra

    def _may_go_with(self, i: int) -> np.ndarray:
        """Customer ``i``'s candidate collectors as a mask over all collectors."""
        mask = self._may_go.get(i)
        if mask is None:
            mask = np.zeros(len(self.problem.collectors), dtype=bool)
            mask[list(self.candidates[i])] = True
            self._may_go[i] = mask
        return mask
