"""The day-plan response (JSON): the engine's plan in the request's terms.

Units: durations in seconds, distances in metres, money in the lender's currency (two decimals
are kept), times as ISO 8601 with a UTC offset.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from api.schemas.common import ADDRESS_NOT_FOUND, MONEY_SCALE
from api.schemas.plan import PlanContext, PlanRequest
from followup import Hold
from followup.decide import EXPLANATIONS as HOLD_EXPLANATIONS
from routing import Plan, StepKind
from routing.solution import EXPLANATIONS, LABELS, Reason, VisitState


def in_words(reason: str) -> str:
    """A reason of the planner or of the follow-up policy in a few words ("day full")."""
    try:
        return LABELS[Reason(reason)]
    except ValueError:
        return reason.replace("_", " ")


def missed(unassigned) -> list[tuple[str, str]]:
    """The mandatory customers of ``unassigned`` (response items), each with why in words."""
    return [(u.customer_id, in_words(u.reason)) for u in unassigned if u.mandatory]


class Point(BaseModel):
    """A WGS-84 point."""

    lat: float
    lon: float


class StepOut(BaseModel):
    """One step of a route. ``travel_seconds`` and ``distance_metres`` are from the previous step;
    ``waiting_seconds`` is idle time before service (the lunch break is not counted)."""

    type: StepKind
    customer_id: str | None = None
    location: Point | None = None
    arrival: datetime
    waiting_seconds: int
    service_start: datetime
    service_end: datetime
    travel_seconds: int
    distance_metres: int
    state: VisitState = Field(VisitState.PLANNED, description=(
        "re-plans: done and under_way visits happened; they do not move"))


class Totals(BaseModel):
    """Figures of one route, or summed over the plan."""

    visits: int
    value: float
    travel_seconds: int
    distance_metres: int
    service_seconds: int
    working_seconds: int
    utilisation: float = Field(description="(travel + service) / shift length")


class RouteOut(Totals):
    """One collector's day."""

    collector_id: str
    steps: list[StepOut]


class SummaryOut(Totals):
    """Totals over the plan."""

    travel_cost: float
    objective: float = Field(description="value collected minus travel cost")
    preferred_visits: int


class UnassignedOut(BaseModel):
    """A customer left out of the plan and why: a reason of the planner, of the follow-up
    policy (from the customer's history, with the day the hold may end), or an address that
    could not be geocoded."""

    customer_id: str
    reason: Reason | Hold | Literal["address_not_found"]
    mandatory: bool
    explanation: str
    until: date | None = Field(None, description=(
        "follow-up holds: the first day the hold may end by itself (null: when something "
        "changes, such as a corrected address)"))


# A customer's door this far from the road they are reached by is named in the plan.
OFF_ROAD_METRES = 100


class OffRoadOut(BaseModel):
    """A customer whose location is far from any road they can be reached by."""

    customer_id: str
    metres: int = Field(description="from the location to the nearest usable road, walked "
                                    "each way and included in the travel")


class PlanResponse(BaseModel):
    """A day plan. A plan that serves only part of the customers is a normal result."""

    status: Literal["complete", "partial", "mandatory_missed"]
    summary: SummaryOut
    routes: list[RouteOut]
    unassigned: list[UnassignedOut]
    unused_collectors: list[str]
    solver_status: str
    solve_seconds: float
    time_limit_hit: bool
    travel_provider: str = Field("geodesic", description=(
        "what timed the plan: geodesic, matrix, or roads (its profile and network)"))
    off_road: list[OffRoadOut] = Field([], description=(
        f"roads: customers more than {OFF_ROAD_METRES} m from the road they were snapped to, "
        "farthest first (worth checking: often a wrong location)"))
    request: PlanRequest | None = Field(None, description=(
        "the day's request as planned (plan files of the command line, and re-plans): what "
        "a re-plan of this plan starts from"))

    @classmethod
    def from_plan(cls, plan: Plan, context: PlanContext, request: PlanRequest) -> PlanResponse:
        """Present an engine plan in the request's units and time zone."""
        used = {r.collector for r in plan.routes}
        s = plan.summary
        status = plan.status.value
        if context.unlocated and status == "complete":
            status = "partial"
        if any(h.mandatory for h in context.held) or any(u.mandatory for u in context.unlocated):
            status = "mandatory_missed"
        return cls(
            status=status,
            summary=SummaryOut(
                visits=s.visits, value=s.value / MONEY_SCALE, travel_seconds=s.travel_time,
                distance_metres=s.distance, service_seconds=s.service_time,
                working_seconds=s.working_time, utilisation=s.utilisation,
                travel_cost=round(s.travel_cost / MONEY_SCALE, 2),
                objective=round(s.objective / MONEY_SCALE, 2), preferred_visits=s.preferred_visits),
            routes=[route_out(r, context) for r in plan.routes],
            unassigned=[UnassignedOut(customer_id=u.customer, reason=u.reason,
                                      mandatory=u.mandatory,
                                      explanation=EXPLANATIONS[u.reason])
                        for u in plan.unassigned]
            + [UnassignedOut(customer_id=h.customer, reason=h.reason, mandatory=h.mandatory,
                             explanation=HOLD_EXPLANATIONS[h.reason], until=h.until)
               for h in context.held]
            + [UnassignedOut(customer_id=u.customer, reason=ADDRESS_NOT_FOUND,
                             mandatory=u.mandatory, explanation=u.explanation)
               for u in context.unlocated],
            unused_collectors=[c.id for c in request.collectors if c.id not in used],
            solver_status=plan.solver_status, solve_seconds=round(plan.solve_seconds, 3),
            time_limit_hit=plan.time_limit_hit,
            travel_provider=context.timed_by or provider_of(request),
            off_road=off_road(context, request))


def off_road(context: PlanContext, request: PlanRequest) -> list[OffRoadOut]:
    """The customers far from a road (``context.snaps`` comes in to_problem's order: the
    customers with a location first)."""
    if context.snaps is None:
        return []
    placed = [c.id for c in request.customers if c.location is not None]
    metres = [(int(round(float(m))), cid) for cid, m in zip(placed, context.snaps)]
    far = [(m, cid) for m, cid in metres if m > OFF_ROAD_METRES]
    return [OffRoadOut(customer_id=cid, metres=m) for m, cid in sorted(far, reverse=True)]


def provider_of(request: PlanRequest) -> str:
    """What timed a request's day, in words: ``geodesic``, ``matrix``, ``roads (drive,
    shanghai.roads)`` or ``osrm (drive)``."""
    travel = request.travel
    if travel.used == "roads":
        return f"roads ({travel.profile}, {travel.network})"
    if travel.used in ("osrm", "valhalla"):
        return f"{travel.used} ({travel.profile})"
    return travel.used


def route_out(route, context: PlanContext) -> RouteOut:
    """One engine route in the request's units and time zone."""
    steps = []
    for step in route.steps:
        point = None
        if step.location is not None and not np.isnan(context.points[step.location, 0]):
            lat, lon = context.points[step.location]
            point = Point(lat=round(float(lat), 7), lon=round(float(lon), 7))
        steps.append(StepOut(
            type=step.kind, customer_id=step.customer, location=point,
            arrival=context.at(step.arrival), waiting_seconds=step.waiting,
            service_start=context.at(step.service_start), service_end=context.at(step.service_end),
            travel_seconds=step.travel_time, distance_metres=step.distance, state=step.state))
    return RouteOut(
        collector_id=route.collector, steps=steps, visits=route.visits,
        value=route.value / MONEY_SCALE, travel_seconds=route.travel_time,
        distance_metres=route.distance, service_seconds=route.service_time,
        working_seconds=route.working_time, utilisation=route.utilisation)
