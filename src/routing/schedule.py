"""Timing of one collector's route, computed exactly in plain Python.

Given the order of visits, :func:`schedule_route` finds the earliest feasible timetable (the lunch
break placed in the best gap) or says that none exists. The engine uses it to report times, to test
whether a left-out customer fits into a route, and to decide whether a customer is reachable at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.problem import Collector, Customer, TimeWindow


@dataclass(frozen=True, slots=True)
class Visit:
    """When one visit of a route happens (seconds from the origin). Every timed route makes
    one per stop, so it keeps no instance dictionary."""

    customer: int
    arrival: int
    service_start: int
    service_end: int


@dataclass(frozen=True, slots=True)
class RouteSchedule:
    """An earliest feasible timetable for a route."""

    departure: int
    visits: tuple[Visit, ...]
    arrival_at_end: int
    break_start: int | None
    break_gap: int | None  # the break is taken before visit ``break_gap`` (== len(visits): before the end)
    travel_time: int
    distance: int


def service_windows(customer: Customer) -> tuple[TimeWindow, ...]:
    """Windows for the *start* of service: the visit must end inside the same window, which must
    also lie inside the legal window."""
    legal = customer.legal_window
    result = []
    for w in customer.time_windows:
        if legal is not None:
            w = w.intersect(legal)
            if w is None:
                continue
        if w.end - customer.service_duration >= w.start:
            result.append(TimeWindow(w.start, w.end - customer.service_duration))
    return tuple(sorted(result, key=lambda w: w.start))


class RouteTimer:
    """Schedules routes of one problem; caches service windows per customer."""

    def __init__(self, customers: Sequence[Customer], durations: np.ndarray,
                 distances: np.ndarray) -> None:
        self.customers = customers
        self.windows = [service_windows(c) for c in customers]
        self.durations = durations
        self.distances = distances

    def schedule(self, collector: Collector, route: Sequence[int]) -> RouteSchedule | None:
        """The earliest timetable for visiting ``route`` (customer indices) in order, or None.

        Checks shift, windows, break, visit cap, travel cap and load capacity.
        """
        customers = self.customers
        if collector.max_visits is not None and len(route) > collector.max_visits:
            return None
        if collector.capacity is not None and sum(customers[i].demand for i in route) > collector.capacity:
            return None
        locations = [collector.start_location, *(customers[i].location for i in route),
                     collector.end_location]
        legs = [int(self.durations[a, b]) for a, b in zip(locations, locations[1:])]
        travel = sum(legs)
        if collector.max_travel_time is not None and travel > collector.max_travel_time:
            return None
        brk = collector.lunch_break
        gaps = [None] if brk is None else self._break_gaps(collector, route, legs)
        found = [s for s in (self._forward(collector, route, legs, g) for g in gaps) if s is not None]
        if not found:
            return None
        # Earliest return, then latest departure; lunch nearest the middle of its window.
        middle = (brk.earliest_start + brk.latest_end - brk.duration) / 2 if brk else 0
        best = min(found, key=lambda s: (s.arrival_at_end, -s.departure,
                                         abs((s.break_start or 0) - middle)))
        distance = sum(int(self.distances[a, b]) for a, b in zip(locations, locations[1:]))
        return RouteSchedule(best.departure, best.visits, best.arrival_at_end, best.break_start,
                             best.break_gap, travel, distance)

    def _forward(self, collector: Collector, route: Sequence[int], legs: list[int],
                 gap: int | None) -> RouteSchedule | None:
        brk = collector.lunch_break
        t = collector.shift_start
        visits: list[Visit] = []
        break_start = None
        for k, i in enumerate(route):
            ready, arrival, b = self._travel(t, legs[k], brk if gap == k else None)
            if b is not None:
                if b + brk.duration > brk.latest_end:
                    return None
                break_start = b
            start = _earliest_start(self.windows[i], ready)
            if start is None:
                return None
            end = start + self.customers[i].service_duration
            visits.append(Visit(i, arrival, start, end))
            t = end
        ready, _, b = self._travel(t, legs[-1], brk if gap == len(route) else None)
        if b is not None:
            if b + brk.duration > brk.latest_end:
                return None
            break_start = b
        if ready > collector.shift_end:
            return None
        departure = _latest_departure(collector, visits, legs, gap)
        if visits and departure != collector.shift_start:
            first = visits[0]
            visits[0] = Visit(first.customer, departure + legs[0], first.service_start,
                              first.service_end)
        return RouteSchedule(departure, tuple(visits), ready, break_start, gap, 0, 0)

    def _break_gaps(self, collector: Collector, route: Sequence[int], legs: list[int]) -> list[int]:
        """The gaps where the break could go: up to and including the first visit the route
        cannot reach in time without a break, and before the break would end too late. Before
        the break the timetable is the one without it, and its times only grow along the route,
        so every later gap would fail."""
        brk = collector.lunch_break
        latest = brk.latest_end - brk.duration
        t = collector.shift_start
        gaps = []
        for k, i in enumerate(route):
            if max(t, brk.earliest_start) > latest:
                return gaps
            gaps.append(k)
            start = _earliest_start(self.windows[i], t + legs[k])
            if start is None:
                return gaps
            t = start + self.customers[i].service_duration
        if max(t, brk.earliest_start) <= latest:
            gaps.append(len(route))
        return gaps

    @staticmethod
    def _travel(t: int, leg: int, brk) -> tuple[int, int, int | None]:
        """Leave at ``t``, drive ``leg`` seconds, maybe take ``brk`` on the way.

        Returns (ready to serve, arrival, break start). The break starts as early as its window
        allows; driving fills the time before it."""
        if brk is None:
            return t + leg, t + leg, None
        b = max(t, brk.earliest_start)
        if t + leg <= brk.earliest_start:  # arrive first, take the break at the door
            return brk.earliest_start + brk.duration, t + leg, b
        ready = max(t + leg, brk.earliest_start) + brk.duration
        return ready, ready, b


def _earliest_start(windows: Sequence[TimeWindow], ready: int) -> int | None:
    for w in windows:
        if ready <= w.end:
            return max(ready, w.start)
    return None


def _latest_departure(collector: Collector, visits: list[Visit], legs: list[int],
                      gap: int | None) -> int:
    """Leave as late as the first visit allows, so the timetable shows no idle wait at the start."""
    if not visits or gap == 0:
        return collector.shift_start
    return max(collector.shift_start, visits[0].service_start - legs[0])
