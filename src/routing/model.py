"""The OR-Tools routing model of a day plan. The only module of the engine that imports OR-Tools.

Nodes: one per customer that passed screening (in the order given), then a start and an end node
per collector. Every matrix and vector is registered with OR-Tools as data, never as a Python
callback, so the search never calls back into Python. Each rule is one ``add_*`` function.

Objective units: value units x 3600 (``SCALE``), so that travel cost (seconds x value per hour)
is exact in integers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.prepare import Prepared
from routing.problem import Problem

SCALE = 3600
_UNLIMITED = 2**40


@dataclass
class DayModel:
    """A built routing model and the data needed to read its solution back."""

    problem: Problem
    customers: list[int]  # node -> customer index, for nodes 0..len-1
    node_location: np.ndarray
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    horizon: int
    total_prize: int = 0  # of every customer in the model, objective units
    mandatory_penalty: int = 0


@dataclass(frozen=True)
class SearchResult:
    """Routes (customer indices per collector) and how the search ended."""

    routes: list[list[int]]
    found: bool
    status: str
    objective: int | None


def build(prepared: Prepared) -> DayModel:
    """Build the model for the day's candidate customers, each with the collectors who may go
    and its windows for the start of service."""
    problem, candidates, windows = prepared.problem, prepared.candidates, prepared.windows
    customers = sorted(candidates)
    collectors = problem.collectors
    num_vehicles = len(collectors)
    starts = [len(customers) + 2 * v for v in range(num_vehicles)]
    ends = [s + 1 for s in starts]
    node_location = np.array(
        [problem.customers[i].location for i in customers]
        + [loc for c in collectors for loc in (c.start_location, c.end_location)], dtype=np.int64)
    manager = pywrapcp.RoutingIndexManager(len(node_location), num_vehicles, starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    horizon = max([c.shift_end for c in collectors], default=0)
    model = DayModel(problem, customers, node_location, manager, routing, None, horizon)
    durations = problem.travel.durations[np.ix_(node_location, node_location)].astype(np.int64)
    add_travel_cost(model, durations)
    model.time = add_time(model, durations, windows)
    add_lunch_breaks(model)
    add_visit_cap(model)
    add_travel_cap(model, durations)
    add_load_capacity(model)
    add_prizes(model)
    add_allowed_collectors(model, candidates)
    add_preferred_bonus(model)
    add_value_factors(model)
    add_workload_balance(model)
    return model


def add_travel_cost(model: DayModel, durations: np.ndarray) -> None:
    """Each second of driving costs ``travel_cost_per_hour / 3600`` value units."""
    cost = durations * model.problem.policy.travel_cost_per_hour
    index = model.routing.RegisterTransitMatrix(cost.tolist())
    model.routing.SetArcCostEvaluatorOfAllVehicles(index)


def add_time(model: DayModel, durations: np.ndarray, windows: Sequence[Sequence]):
    """Service then travel; service starts inside a window; shifts bound each route."""
    service = np.zeros(len(model.node_location), dtype=np.int64)
    for node, i in enumerate(model.customers):
        service[node] = model.problem.customers[i].service_duration
    transit = durations + service[:, None]
    index = model.routing.RegisterTransitMatrix(transit.tolist())
    model.routing.AddDimension(index, model.horizon, model.horizon, False, "time")
    dim = model.routing.GetDimensionOrDie("time")
    for node, i in enumerate(model.customers):
        var = dim.CumulVar(model.manager.NodeToIndex(node))
        spans = [(max(0, w.start), min(model.horizon, w.end)) for w in windows[i]]
        spans = [(a, b) for a, b in spans if a <= b]
        var.SetRange(spans[0][0], spans[-1][1])
        for (_, prev_end), (next_start, _) in zip(spans, spans[1:]):
            if next_start > prev_end + 1:
                var.RemoveInterval(prev_end + 1, next_start - 1)
    for v, c in enumerate(model.problem.collectors):
        for index in (model.routing.Start(v), model.routing.End(v)):
            dim.CumulVar(index).SetRange(c.shift_start, c.shift_end)
    for v in range(len(model.problem.collectors)):
        model.routing.AddVariableMinimizedByFinalizer(dim.CumulVar(model.routing.End(v)))
        model.routing.AddVariableMaximizedByFinalizer(dim.CumulVar(model.routing.Start(v)))
    return dim


def add_lunch_breaks(model: DayModel) -> None:
    """A break of fixed duration inside its window; it may interrupt travel, never a visit."""
    routing, solver = model.routing, model.routing.solver()
    visit_transits = [0] * routing.Size()
    for index in range(routing.Size()):
        node = model.manager.IndexToNode(index)
        if node < len(model.customers):
            visit_transits[index] = model.problem.customers[model.customers[node]].service_duration
    for v, c in enumerate(model.problem.collectors):
        brk = c.lunch_break
        if brk is None:
            continue
        interval = solver.FixedDurationIntervalVar(
            brk.earliest_start, brk.latest_end - brk.duration, brk.duration, False, f"break {c.id}")
        model.time.SetBreakIntervalsOfVehicle([interval], v, visit_transits)


def add_visit_cap(model: DayModel) -> None:
    """At most ``max_visits`` visits per collector."""
    caps = [c.max_visits for c in model.problem.collectors]
    if all(cap is None for cap in caps):
        return
    ones = [1 if node < len(model.customers) else 0 for node in range(len(model.node_location))]
    index = model.routing.RegisterUnaryTransitVector(ones)
    model.routing.AddDimensionWithVehicleCapacity(
        index, 0, [_UNLIMITED if cap is None else cap for cap in caps], True, "visits")


def add_travel_cap(model: DayModel, durations: np.ndarray) -> None:
    """At most ``max_travel_time`` seconds of driving per collector."""
    caps = [c.max_travel_time for c in model.problem.collectors]
    if all(cap is None for cap in caps):
        return
    index = model.routing.RegisterTransitMatrix(durations.tolist())
    model.routing.AddDimensionWithVehicleCapacity(
        index, 0, [_UNLIMITED if cap is None else cap for cap in caps], True, "travel")


def add_load_capacity(model: DayModel) -> None:
    """Generic load: demands per customer within each collector's capacity."""
    caps = [c.capacity for c in model.problem.collectors]
    if all(cap is None for cap in caps):
        return
    demand = [0] * len(model.node_location)
    for node, i in enumerate(model.customers):
        demand[node] = model.problem.customers[i].demand
    index = model.routing.RegisterUnaryTransitVector(demand)
    model.routing.AddDimensionWithVehicleCapacity(
        index, 0, [_UNLIMITED if cap is None else cap for cap in caps], True, "load")


def mandatory_penalty(problem: Problem) -> int:
    """A penalty for leaving out a mandatory customer that outweighs every other term."""
    values = sum(c.value for c in problem.customers) + problem.policy.preferred_bonus * len(
        problem.customers)
    travel = sum(c.shift_end - c.shift_start for c in problem.collectors)
    return (values * SCALE + travel * problem.policy.travel_cost_per_hour + 1) * 4


def add_prizes(model: DayModel) -> None:
    """Leaving a customer out forfeits its value (plus the relationship bonus it could earn);
    leaving out a mandatory customer costs more than any plan can gain."""
    problem, routing = model.problem, model.routing
    big = mandatory_penalty(problem)
    model.mandatory_penalty = big
    for node, i in enumerate(model.customers):
        customer = problem.customers[i]
        prize = customer.value * SCALE
        if customer.preferred_collector is not None:
            prize += problem.policy.preferred_bonus * SCALE
        model.total_prize += prize
        penalty = big if customer.mandatory else prize
        routing.AddDisjunction([model.manager.NodeToIndex(node)], penalty)


def add_allowed_collectors(model: DayModel, candidates: dict[int, Sequence[int]]) -> None:
    """Only collectors with the skills, the crew and a chance to reach the customer may go."""
    num_vehicles = len(model.problem.collectors)
    for node, i in enumerate(model.customers):
        allowed = list(candidates[i])
        if len(allowed) < num_vehicles:
            # SetAllowedVehiclesForIndex does not accept Python lists in this release;
            # restricting the vehicle variable is the equivalent (-1: not visited).
            index = model.manager.NodeToIndex(node)
            model.routing.VehicleVar(index).SetValues([-1, *allowed])


def add_preferred_bonus(model: DayModel) -> None:
    """A soft bonus for keeping the relationship: a visit by anyone but the preferred collector
    costs the bonus (the prize of leaving the customer out includes it, so the trade-off holds)."""
    problem = model.problem
    bonus = problem.policy.preferred_bonus * SCALE
    preferred = {node: problem.customers[i].preferred_collector
                 for node, i in enumerate(model.customers)
                 if problem.customers[i].preferred_collector is not None}
    if not bonus or not preferred:
        return
    base = [0] * len(model.node_location)
    for node in preferred:
        base[node] = bonus
    vectors: dict[str, int] = {}
    shared = model.routing.RegisterUnaryTransitVector(base)
    evaluators = []
    for c in problem.collectors:
        mine = [node for node, who in preferred.items() if who in (c.id, c.person)]
        if not mine:
            evaluators.append(shared)
            continue
        own = list(base)
        for node in mine:
            own[node] = 0
        vectors[c.id] = model.routing.RegisterUnaryTransitVector(own)
        evaluators.append(vectors[c.id])
    model.routing.AddDimensionWithVehicleTransits(evaluators, 0, _UNLIMITED, True, "relationship")
    model.routing.GetDimensionOrDie("relationship").SetSpanCostCoefficientForAllVehicles(1)


def add_value_factors(model: DayModel) -> None:
    """A route that earns only a share of its visits' value (a later day of a week plan) pays
    the rest back per visit."""
    problem = model.problem
    factors = sorted({c.value_factor for c in problem.collectors})
    if factors == [1.0]:
        return
    registered: dict[float, int] = {}
    for factor in factors:
        vector = [0] * len(model.node_location)
        for node, i in enumerate(model.customers):
            vector[node] = round(problem.customers[i].value * SCALE * (1 - factor))
        registered[factor] = model.routing.RegisterUnaryTransitVector(vector)
    model.routing.AddDimensionWithVehicleTransits(
        [registered[c.value_factor] for c in problem.collectors], 0, _UNLIMITED, True,
        "value_share")
    model.routing.GetDimensionOrDie("value_share").SetSpanCostCoefficientForAllVehicles(1)


def add_workload_balance(model: DayModel) -> None:
    """Charge ``balance_cost_per_visit`` for each visit of the busiest route."""
    cost = model.problem.policy.balance_cost_per_visit * SCALE
    if not cost:
        return
    if all(c.max_visits is None for c in model.problem.collectors):  # else add_visit_cap made it
        ones = [1 if node < len(model.customers) else 0 for node in range(len(model.node_location))]
        index = model.routing.RegisterUnaryTransitVector(ones)
        model.routing.AddDimension(index, 0, _UNLIMITED, True, "visits")
    model.routing.GetDimensionOrDie("visits").SetGlobalSpanCostCoefficient(cost)


def cheapest_arc_guided(params) -> None:
    """Search parameters for a second, different search: a first plan by path cheapest arc,
    then guided local search."""
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)


def search(model: DayModel, *, deadline: float, deterministic: bool, work_limit: int,
           seed: int, initial_routes: list[list[int]] | None = None,
           on_solution: Callable[[float | None], None] | None = None,
           configure: Callable[[object], None] | None = None) -> SearchResult:
    """Run tabu search until ``deadline`` (a ``time.monotonic()`` instant), or in
    deterministic mode until ``work_limit`` search branches, and read the routes back.

    ``on_solution`` hears of each plan the search finds: its objective as the search weighs it
    (value, relationship bonus, minus travel and balance costs; value units), or None while a
    mandatory customer is left out."""
    routing = model.routing
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION)
    # Tabu search beat guided local search on 7 of 8 Solomon instances at 5 s and matched it on
    # generated collection days (benchmarks/RESULTS.md).
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH
    remaining = max(0.01, deadline - time.monotonic())
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    if deterministic:
        # Branches of the search tree are counted identically on every machine, unlike seconds.
        routing.AddSearchMonitor(routing.solver().BranchesLimit(work_limit))
    if configure is not None:
        configure(params)
    routing.solver().ReSeed(seed)
    if on_solution is not None:
        def report() -> None:
            cost = routing.CostVar().Value()
            on_solution(None if cost >= model.mandatory_penalty
                        else (model.total_prize - cost) / SCALE)

        routing.AddAtSolutionCallback(report)
    routing.CloseModelWithParameters(params)
    solution = None
    if initial_routes:
        node_of = {i: node for node, i in enumerate(model.customers)}
        start = routing.ReadAssignmentFromRoutes(
            [[model.manager.NodeToIndex(node_of[i]) for i in r]
             for r in initial_routes], True)
        if start is not None:
            solution = routing.SolveFromAssignmentWithParameters(start, params)
    if solution is None:
        solution = routing.SolveWithParameters(params)
    remaining = deadline - time.monotonic()
    if solution is not None and not deterministic and remaining > 0.05:
        # Tabu search can stop early when every move is tabu; guided local search never does,
        # so it continues from the best plan for the time that is left.
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
        params.time_limit.FromMilliseconds(int(remaining * 1000))
        better = routing.SolveFromAssignmentWithParameters(solution, params)
        if better is not None and better.ObjectiveValue() <= solution.ObjectiveValue():
            solution = better
    status = _STATUS.get(routing.status(), str(routing.status()))
    if solution is None:
        return SearchResult([[] for _ in model.problem.collectors], False, status, None)
    routes = []
    for v in range(len(model.problem.collectors)):
        index = routing.Start(v)
        route = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            route.append(model.customers[model.manager.IndexToNode(index)])
            index = solution.Value(routing.NextVar(index))
        routes.append(route)
    return SearchResult(routes, True, status, solution.ObjectiveValue())


_STATUS = {
    0: "not_solved",
    1: "success",
    2: "partial_success_local_optimum_not_reached",
    3: "fail",
    4: "fail_timeout",
    5: "invalid",
    6: "infeasible",
    7: "optimal",
}
