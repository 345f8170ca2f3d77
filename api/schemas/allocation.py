"""The allocation request and response (JSON, or CSV files of cases and collectors).

Units: money in the lender's currency, workload in hours, distances in kilometres in the request
and metres in the response.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import Field, model_validator

from allocation import AllocationProblem, Case, Collector, InvalidAllocation, Options, Policy
from allocation.rules import SENIOR_BALANCE, bucket_of, default_workload, required_skills
from api import defaults
from api.schemas.common import (
    MAX_COUNT,
    MAX_HOURS,
    MAX_MONEY,
    MAX_SEED,
    FieldError,
    GeocodeMatch,
    Id,
    Place,
    Strict,
    TimeZoneName,
    Unlocated,
    cents,
    placed,
)
from api.schemas.follow_up import FollowUpIn, VisitIn, decision
from common.geo import CoordinateSystem, to_wgs84
from followup import Decision, Hold, InvalidHistory


class CaseIn(Strict):
    """An overdue case. Give ``days_past_due`` or ``bucket``; ``expected_value`` or
    ``probability_to_pay`` (value = balance x probability)."""

    id: Id
    location: Place | None = Field(None, description=(
        "where the case is visited; without it, the address is located (fieldplan "
        "--addresses or --geocoder; the HTTP service's FIELDPLAN_ADDRESSES or "
        "FIELDPLAN_GEOCODER)"))
    address: str | None = Field(None, max_length=500, description=(
        "located when no location is given"))
    geocode_match: GeocodeMatch | None = Field(None, description=(
        "how the location was found from the address (see the day-plan request); none: not "
        "found, and the case is left unallocated with reason address_not_found"))
    geocode_note: str | None = Field(None, max_length=500)
    balance: float = Field(ge=0, le=MAX_MONEY)
    days_past_due: int | None = Field(None, ge=1, le=36_500)
    bucket: Literal["M1", "M2", "M3", "M4", "M5", "M6+"] | None = None
    expected_value: float | None = Field(None, ge=0, le=MAX_MONEY)
    probability_to_pay: float | None = Field(None, ge=0, le=1)
    workload_hours: float | None = Field(None, ge=0, le=1000,
                                         description="default: by bucket")
    required_skills: list[Id] = []
    current_collector: Id | None = None
    region: Id | None = None
    mandatory: bool = False
    excluded_collectors: list[Id] = []
    history: list[VisitIn] | None = Field(None, max_length=10_000, description=(
        "past visits: a case paid in full or with an unverified address leaves the field; the "
        "collector who took an open promise keeps the case; see the day-plan request"))
    address_updated: date | None = None

    @model_validator(mode="after")
    def _complete(self) -> CaseIn:
        if self.location is None and not self.address and self.geocode_match != "none":
            raise FieldError("location", "required: give location (lat, lon), or an address "
                                         "to locate")
        if self.days_past_due is None and self.bucket is None:
            raise ValueError("give days_past_due or bucket")
        if (self.expected_value is None) == (self.probability_to_pay is None):
            raise ValueError("give exactly one of expected_value and probability_to_pay")
        return self

    def the_bucket(self) -> str:
        """The delinquency bucket (M1..M6+)."""
        return self.bucket or bucket_of(self.days_past_due)

    def value(self) -> float:
        """Expected recovery."""
        if self.expected_value is not None:
            return self.expected_value
        return self.balance * self.probability_to_pay


class CollectorIn(Strict):
    """A collector: base, capacities, skills and territory."""

    id: Id
    base: Place
    capacity_cases: int | None = Field(None, ge=0, le=MAX_COUNT)
    capacity_hours: float | None = Field(None, ge=0, le=MAX_HOURS)
    skills: list[Id] = []
    regions: list[Id] | None = Field(None, description="default: anywhere")
    current_cases: int = Field(0, ge=0, le=MAX_COUNT, description="cases kept that are not in this request")
    current_hours: float = Field(0, ge=0, le=MAX_HOURS)


class AllocationPolicyIn(Strict):
    """Trade-offs of the allocation."""

    max_distance_km: float | None = Field(None, gt=0, le=20_100)
    travel_cost_per_hour: float = Field(defaults.TRAVEL_COST_PER_HOUR, ge=0, le=MAX_MONEY)
    speed_kmh: float = Field(defaults.SPEED_KMH, gt=0, le=200)
    detour_factor: float = Field(defaults.DETOUR_FACTOR, ge=1, le=5)
    continuity_bonus: float = Field(0.0, ge=0, le=MAX_MONEY, description="value of keeping the current collector")
    max_reassignment_share: float | None = Field(None, ge=0, le=1)
    balance_tolerance: float | None = Field(None, ge=0, le=1,
                                            description="e.g. 0.1: within +-10 % of the mean")
    balance_cost_per_hour: float = Field(0.0, ge=0, le=MAX_MONEY)
    neighbours: int = Field(10, ge=1, le=200, description="nearest collectors considered")
    senior_balance: float = Field(SENIOR_BALANCE, ge=0, le=MAX_MONEY,
                                  description="balances from here need a 'senior' collector")
    follow_up: FollowUpIn = Field(FollowUpIn(), description=(
        "how cases' visit histories shape the allocation (cases with a history only)"))


class AllocationOptionsIn(Strict):
    """Search settings."""

    time_limit_seconds: float = Field(10.0, gt=0, le=3600)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    method: Literal["auto", "exact", "scalable"] = "auto"
    workers: int = Field(1, ge=1, le=64)
    deterministic: bool = Field(False, description=(
        "the same allocation for the same request on any machine: the scalable method, "
        "searched to its end rather than to the time limit"))


class AllocationRequest(Strict):
    """A request to allocate cases to collectors."""

    cases: list[CaseIn]
    collectors: list[CollectorIn] = Field(min_length=1)
    date: dt.date | None = Field(None, description=(
        "the day the allocation takes effect: required when cases carry a history"))
    timezone: TimeZoneName = Field("Asia/Shanghai", description="for reading visit times")
    coordinate_system: CoordinateSystem = CoordinateSystem.WGS84
    policy: AllocationPolicyIn = AllocationPolicyIn()
    options: AllocationOptionsIn = AllocationOptionsIn()

    @model_validator(mode="after")
    def _consistent(self) -> AllocationRequest:
        for name, items in (("cases", self.cases), ("collectors", self.collectors)):
            seen: set[str] = set()
            for k, item in enumerate(items):
                if item.id in seen:
                    raise FieldError(f"{name}[{k}].id", f"duplicate id {item.id!r}")
                seen.add(item.id)
        known = {c.id for c in self.collectors}
        for k, case in enumerate(self.cases):
            if case.current_collector is not None and case.current_collector not in known:
                raise FieldError(f"cases[{k}].current_collector",
                                 f"collector {case.current_collector!r} is not in the request")
            missing = [c for c in case.excluded_collectors if c not in known]
            if missing:
                raise FieldError(f"cases[{k}].excluded_collectors",
                                 f"collector(s) {missing} not in the request")
            if self.date is None and (case.history is not None
                                      or case.address_updated is not None):
                raise FieldError("date", f"required: cases[{k}] carries a history")
        return self

    def decisions(self) -> dict[int, Decision]:
        """The follow-up policy's decision for each case with a history, by position."""
        if self.date is None:
            return {}
        zone, policy = ZoneInfo(self.timezone), self.policy.follow_up.policy()
        found = {}
        for k, c in enumerate(self.cases):
            if c.history is not None or c.address_updated is not None:
                try:
                    found[k] = decision(c.id, c.history or [], c.address_updated, self.date,
                                        zone, policy)
                except InvalidHistory as exc:
                    raise InvalidHistory(f"cases[{k}].{exc.field}", exc.reason) from None
        return found


# Holds that take a case out of the field, not just out of a day: nobody should own it.
OUT_OF_FIELD = frozenset({Hold.CASE_CLOSED, Hold.ADDRESS_UNVERIFIED})


def placed_cases(request: AllocationRequest, *, to_locate: bool = False
                 ) -> tuple[AllocationRequest, tuple[Unlocated, ...]]:
    """The request with only its cases that have a location, and those whose address was not
    found (see ``api.schemas.common.placed``; ``to_locate``: on submission, before locating)."""
    return placed(request, "cases", None if to_locate else InvalidAllocation)


def to_allocation_problem(request: AllocationRequest,
                          decisions: dict[int, Decision] | None = None) -> AllocationProblem:
    """Convert a validated request into an engine problem (cents, minutes, metres). A case
    with a ``decision`` out of the field (closed, address unverified) is left out; the others
    take its value, mandatory visit, skills and keeper (as the current collector)."""
    lat = np.array([c.location.lat for c in request.cases] + [k.base.lat for k in request.collectors])
    lon = np.array([c.location.lon for c in request.cases] + [k.base.lon for k in request.collectors])
    lat, lon = to_wgs84(lat, lon, request.coordinate_system)
    n = len(request.cases)
    policy = request.policy
    decisions = decisions or {}
    known = {k.id for k in request.collectors}
    cases = []
    for i, c in enumerate(request.cases):
        d = decisions.get(i)
        if d is not None and d.hold in OUT_OF_FIELD:
            continue
        bucket = c.the_bucket()
        workload = (default_workload(bucket) if c.workload_hours is None
                    else round(c.workload_hours * 60))
        skills = frozenset(c.required_skills) | (d.required_skills if d else frozenset())
        current = c.current_collector
        if d is not None and d.keeper in known and d.keeper not in c.excluded_collectors:
            current = d.keeper
        cases.append(Case(
            id=c.id, lat=float(lat[i]), lon=float(lon[i]),
            value=cents(c.value() * (d.probability_factor if d else 1.0)),
            workload=workload, balance=cents(c.balance), bucket=bucket,
            required_skills=required_skills(c.balance, skills, policy.senior_balance),
            current_collector=current, region=c.region,
            mandatory=c.mandatory or bool(d and d.mandatory),
            excluded_collectors=frozenset(c.excluded_collectors)))
    collectors = tuple(
        Collector(id=k.id, lat=float(lat[n + j]), lon=float(lon[n + j]),
                  capacity_cases=k.capacity_cases,
                  capacity_workload=None if k.capacity_hours is None
                  else round(k.capacity_hours * 60),
                  skills=frozenset(k.skills),
                  regions=None if k.regions is None else frozenset(k.regions),
                  current_cases=k.current_cases, current_workload=round(k.current_hours * 60))
        for j, k in enumerate(request.collectors))
    options = request.options
    return AllocationProblem(
        cases=tuple(cases), collectors=collectors,
        policy=Policy(
            max_distance_m=None if policy.max_distance_km is None
            else round(policy.max_distance_km * 1000),
            travel_cost_per_hour=cents(policy.travel_cost_per_hour), speed_kmh=policy.speed_kmh,
            detour_factor=policy.detour_factor, continuity_bonus=cents(policy.continuity_bonus),
            max_reassignment_share=policy.max_reassignment_share,
            balance_tolerance=policy.balance_tolerance,
            balance_cost_per_hour=cents(policy.balance_cost_per_hour),
            neighbours=policy.neighbours),
        options=Options(time_limit=options.time_limit_seconds, seed=options.seed,
                        workers=options.workers, method=options.method,
                        deterministic=options.deterministic))


def warnings_for(problem: AllocationProblem) -> list[str]:
    """Things a planner should know before reading the result."""
    out = []
    held = {s for k in problem.collectors for s in k.skills}
    needed: dict[str, int] = {}
    for c in problem.cases:
        for s in c.required_skills - held:
            needed[s] = needed.get(s, 0) + 1
    for skill, count in sorted(needed.items()):
        out.append(f"skill {skill!r} is required by {count} case(s) and held by no collector")
    policy = problem.policy
    if policy.balance_tolerance is not None and not policy.balance_cost_per_hour:
        out.append("policy.balance_tolerance has no effect while policy.balance_cost_per_hour "
                   "is 0: give the cost of an hour of workload outside the band")
    mandatory = sum(c.workload for c in problem.cases if c.mandatory)
    rooms = [k.room_workload for k in problem.collectors]
    if None not in rooms and mandatory > sum(rooms):
        out.append(f"mandatory cases need {mandatory / 60:.1f} h but the team has "
                   f"{sum(rooms) / 60:.1f} h of room: some cannot be allocated")
    return out
