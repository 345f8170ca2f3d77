"""Peer solvers for side-by-side benchmarks (optional: ``pip install -e '.[bench]'``).

PyVRP gets the same day as the engine: the customers that pass the collection rules, their
service-start windows (a customer with several windows becomes a group of alternative visits),
one vehicle type per collector (own start, end and shift; the visit cap as a capacity; the
travel cap as a distance limit), a cost of one per second of driving and each visit's value
as its prize in seconds of driving at the policy's travel cost (the same trade-off as the
engine's; rounding to whole seconds). PyVRP has no lunch breaks, skills or per-vehicle bonuses,
so comparisons use plain days (``collection_day(..., plain=True)``).
"""

from __future__ import annotations

import time

import numpy as np

from routing import rules
from routing.model import SCALE
from routing.problem import Problem
from routing.schedule import RouteTimer


class PeerUnavailable(RuntimeError):
    """The peer solver is not installed or cannot state this problem."""


def pyvrp_routes(problem: Problem, *, seconds: float, seed: int = 0) -> list[list[int]]:
    """PyVRP's plan of ``problem`` within ``seconds`` (its model build included): customer
    indices per collector, in the order of ``problem.collectors``."""
    try:
        import pyvrp
        from pyvrp.stop import MaxRuntime
    except ImportError as exc:
        raise PeerUnavailable("PyVRP is not installed: pip install -e '.[bench]'") from exc
    started = time.monotonic()
    if any(c.lunch_break is not None for c in problem.collectors):
        raise PeerUnavailable("PyVRP states no lunch breaks: compare on plain days")
    timer = RouteTimer(problem.customers, problem.travel.durations, problem.travel.distances)
    screening = rules.screen(problem, timer)
    if any(len(c) < problem.num_collectors and _restricted(problem, i)
           for i, c in screening.candidates.items()):
        raise PeerUnavailable("PyVRP states no skills or allowed collectors: compare on plain days")

    # Locations: every matrix location in use, depots first.
    depot_locs = sorted({loc for c in problem.collectors
                         for loc in (c.start_location, c.end_location)})
    customer_ids = sorted(screening.candidates)
    locs = depot_locs + [problem.customers[i].location for i in customer_ids]
    index = np.array(locs, dtype=np.int64)
    durations = problem.travel.durations[np.ix_(index, index)].astype(np.int64)
    locations = [pyvrp.Location(float(k), 0.0) for k in range(len(locs))]
    depot_of = {loc: k for k, loc in enumerate(depot_locs)}
    depots = [pyvrp.Depot(k) for k in range(len(depot_locs))]

    rate = problem.policy.travel_cost_per_hour
    counted = any(c.max_visits is not None for c in problem.collectors)
    clients, groups, owner = [], [], []
    for k, i in enumerate(customer_ids):
        customer = problem.customers[i]
        windows = timer.windows[i]
        # In seconds of driving, PyVRP's cost unit: its penalties for broken constraints are
        # capped, and must outweigh a prize.
        prize = round(customer.value * 3600 / rate) if rate else customer.value * SCALE
        delivery = [1] if counted else []
        alternatives = []
        for w in windows:
            alternatives.append(len(clients))
            clients.append(pyvrp.Client(
                len(depot_locs) + k, delivery=delivery,
                service_duration=customer.service_duration, tw_early=max(0, w.start),
                tw_late=max(0, w.end), prize=prize,
                required=customer.mandatory and len(windows) == 1,
                group=len(groups) if len(windows) > 1 else None))
            owner.append(i)
        if len(windows) > 1:
            groups.append(pyvrp.ClientGroup(alternatives, required=customer.mandatory))
    vehicle_types = [
        pyvrp.VehicleType(
            1, capacity=[c.max_visits if c.max_visits is not None else len(clients)]
            if counted else [],
            start_depot=depot_of[c.start_location], end_depot=depot_of[c.end_location],
            tw_early=c.shift_start, tw_late=c.shift_end,
            max_distance=c.max_travel_time if c.max_travel_time is not None else 2**62,
            unit_distance_cost=1 if rate else 0, unit_duration_cost=0, name=c.id)
        for c in problem.collectors]
    # Distance = driving seconds, so the distance cost is the travel cost and the distance
    # limit is the travel cap.
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, [durations], [durations],
                             groups)
    remaining = max(0.1, seconds - (time.monotonic() - started))
    big = 1000.0 * max([c.prize for c in clients], default=1)
    params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=big))
    result = pyvrp.solve(data, MaxRuntime(remaining), seed=seed, display=False,
                         collect_stats=False, params=params)
    routes: list[list[int]] = [[] for _ in problem.collectors]
    for route in result.best.routes():
        routes[route.vehicle_type()] = [owner[a.idx] for a in route.schedule() if a.is_client()]
    return routes


def _restricted(problem: Problem, i: int) -> bool:
    """Whether a customer's collectors are limited by a rule PyVRP cannot state (rather than by
    reach, which PyVRP's own time windows enforce)."""
    customer = problem.customers[i]
    return bool(customer.required_skills or customer.allowed_collectors is not None
                or customer.needs_two_person)
