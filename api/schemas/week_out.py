"""The week-plan response (JSON): a day plan per day in the plan format, the week's summary,
and every customer planned on no day with the reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import ADDRESS_NOT_FOUND, MONEY_SCALE
from api.schemas.plan_out import (
    PlanResponse,
    SummaryOut,
    UnassignedOut,
    route_out,
)
from api.schemas.week import WeekContext, WeekRequest
from followup.decide import EXPLANATIONS as HOLD_EXPLANATIONS
from routing import Plan
from routing.report import summarise
from routing.solution import EXPLANATIONS, Unassigned
from routing.week import SEPARATOR, discounted_value, split


class WeekSummaryOut(BaseModel):
    """The week's figures. ``objective`` is the value earned, each day's at its share
    (``policy.discount_per_day``), minus the cost of all travel."""

    days: int
    visits: int
    value: float
    discounted_value: float
    travel_seconds: int
    travel_cost: float
    objective: float
    visits_per_day: list[int]
    busiest_collector_day: int = Field(description="most visits of one collector in one day")


class DayOut(BaseModel):
    """One day of the week, as a day plan (its `unassigned` is empty: customers planned on no
    day are listed once, in the week's `unassigned`)."""

    date: date
    plan: PlanResponse


class WeekResponse(BaseModel):
    """A week plan. A plan that serves only part of the customers is a normal result."""

    status: Literal["complete", "partial", "mandatory_missed"]
    summary: WeekSummaryOut
    days: list[DayOut]
    unassigned: list[UnassignedOut]
    solver_status: str
    solve_seconds: float
    time_limit_hit: bool

    @classmethod
    def from_plan(cls, plan: Plan, ctx: WeekContext, request: WeekRequest) -> WeekResponse:
        """Present the engine's week plan in the request's units and time zone."""
        week, context = ctx.week, ctx.context
        mandatory = {c.id: c.mandatory or c.due_on is not None for c in request.customers}
        unassigned = list(plan.unassigned) + [
            Unassigned(cid, reason, mandatory.get(cid, False))
            for cid, reason in sorted(week.excluded.items())]
        days = []
        for day, routes in split(plan, week):
            vehicles = tuple(c for c in week.problem.collectors
                             if c.id.endswith(SEPARATOR + day.label))
            # The day's routes summed over the day's collectors (no new problem: a customer's
            # preferred collector may be off that day).
            s = summarise(SimpleNamespace(collectors=vehicles, customers=week.problem.customers,
                                          policy=week.problem.policy), routes)
            named = [replace(r, collector=r.collector.rsplit(SEPARATOR, 1)[0]) for r in routes]
            used = {r.collector for r in named}
            days.append(DayOut(date=date.fromisoformat(day.label), plan=PlanResponse(
                status=plan.status.value, summary=_summary_out(s),
                routes=[route_out(r, context) for r in named], unassigned=[],
                unused_collectors=[c.id for c in day.collectors if c.id not in used],
                solver_status=plan.solver_status, solve_seconds=round(plan.solve_seconds, 3),
                time_limit_hit=plan.time_limit_hit)))
        travel_cost = plan.summary.travel_cost
        earned = discounted_value(plan, week)
        status = plan.status.value
        if any(u.mandatory for u in [*unassigned, *ctx.held, *ctx.unlocated]):
            status = "mandatory_missed"
        elif unassigned or ctx.held or ctx.unlocated:
            status = "partial"
        return cls(
            status=status,
            summary=WeekSummaryOut(
                days=len(days), visits=plan.summary.visits,
                value=plan.summary.value / MONEY_SCALE,
                discounted_value=round(earned / MONEY_SCALE, 2),
                travel_seconds=plan.summary.travel_time,
                travel_cost=round(travel_cost / MONEY_SCALE, 2),
                objective=round((earned - travel_cost) / MONEY_SCALE, 2),
                visits_per_day=[d.plan.summary.visits for d in days],
                busiest_collector_day=max((r.visits for r in plan.routes), default=0)),
            days=days,
            unassigned=[UnassignedOut(customer_id=u.customer, reason=u.reason,
                                      mandatory=u.mandatory, explanation=EXPLANATIONS[u.reason])
                        for u in unassigned]
            + [UnassignedOut(customer_id=h.customer, reason=h.reason, mandatory=h.mandatory,
                             explanation=HOLD_EXPLANATIONS[h.reason], until=h.until)
               for h in ctx.held]
            + [UnassignedOut(customer_id=u.customer, reason=ADDRESS_NOT_FOUND,
                             mandatory=u.mandatory, explanation=u.explanation)
               for u in ctx.unlocated],
            solver_status=plan.solver_status, solve_seconds=round(plan.solve_seconds, 3),
            time_limit_hit=plan.time_limit_hit)


def _summary_out(s) -> SummaryOut:
    return SummaryOut(
        visits=s.visits, value=s.value / MONEY_SCALE, travel_seconds=s.travel_time,
        distance_metres=s.distance, service_seconds=s.service_time,
        working_seconds=s.working_time, utilisation=s.utilisation,
        travel_cost=round(s.travel_cost / MONEY_SCALE, 2),
        objective=round(s.objective / MONEY_SCALE, 2), preferred_visits=s.preferred_visits)

