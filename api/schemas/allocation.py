"""The allocation request and response (JSON, or CSV files of cases and collectors).

Units: money in the lender's currency, workload in hours, distances in kilometres in the request
and metres in the response.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from allocation import AllocationProblem, AllocationResult, Case, Collector, Options, Policy
from allocation.rules import SENIOR_BALANCE, bucket_of, default_workload, required_skills
from allocation.solution import EXPLANATIONS
from api import defaults
from api.schemas.common import (
    MAX_COUNT,
    MAX_HOURS,
    MAX_MONEY,
    MAX_SEED,
    MONEY_SCALE,
    FieldError,
    Id,
    Place,
    Strict,
    cents,
)
from common.geo import CoordinateSystem, to_wgs84


class CaseIn(Strict):
    """An overdue case. Give ``days_past_due`` or ``bucket``; ``expected_value`` or
    ``probability_to_pay`` (value = balance x probability)."""

    id: Id
    location: Place
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

    @model_validator(mode="after")
    def _complete(self) -> CaseIn:
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


class AllocationOptionsIn(Strict):
    """Search settings."""

    time_limit_seconds: float = Field(10.0, gt=0, le=3600)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    method: Literal["auto", "exact", "scalable"] = "auto"
    workers: int = Field(1, ge=1, le=64)


class AllocationRequest(Strict):
    """A request to allocate cases to collectors."""

    cases: list[CaseIn]
    collectors: list[CollectorIn] = Field(min_length=1)
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
        return self


def to_allocation_problem(request: AllocationRequest) -> AllocationProblem:
    """Convert a validated request into an engine problem (cents, minutes, metres)."""
    lat = np.array([c.location.lat for c in request.cases] + [k.base.lat for k in request.collectors])
    lon = np.array([c.location.lon for c in request.cases] + [k.base.lon for k in request.collectors])
    lat, lon = to_wgs84(lat, lon, request.coordinate_system)
    n = len(request.cases)
    policy = request.policy
    cases = []
    for i, c in enumerate(request.cases):
        bucket = c.the_bucket()
        workload = (default_workload(bucket) if c.workload_hours is None
                    else round(c.workload_hours * 60))
        cases.append(Case(
            id=c.id, lat=float(lat[i]), lon=float(lon[i]), value=cents(c.value()),
            workload=workload, balance=cents(c.balance), bucket=bucket,
            required_skills=required_skills(c.balance, frozenset(c.required_skills),
                                            policy.senior_balance),
            current_collector=c.current_collector, region=c.region, mandatory=c.mandatory,
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
                        workers=options.workers, method=options.method))


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



class AllocationOut(BaseModel):
    """One allocated case and why it went there."""

    case_id: str
    collector_id: str
    placement: str
    explanation: str
    distance_metres: int
    workload_hours: float
    value: float


class CollectorOut(BaseModel):
    """One collector's portfolio after the allocation."""

    collector_id: str
    case_ids: list[str]
    num_cases: int
    workload_hours: float = Field(description="current load included")
    value: float
    utilisation: float | None


class UnallocatedOut(BaseModel):
    """A case left unallocated and why."""

    case_id: str
    reason: str
    mandatory: bool
    explanation: str


class AllocationSummary(BaseModel):
    """Totals."""

    cases: int
    allocated: int
    unallocated: int
    mandatory_unallocated: int
    value: float
    reassigned: int


class AllocationResponse(BaseModel):
    """The allocation. ``bound`` is the proven upper bound on the objective (exact method) and
    ``gap`` the relative distance to it."""

    status: Literal["complete", "partial", "mandatory_missed"]
    method: str
    solver_status: str
    objective: float
    bound: float | None
    gap: float | None
    summary: AllocationSummary
    collectors: list[CollectorOut]
    allocations: list[AllocationOut]
    unallocated: list[UnallocatedOut]
    warnings: list[str]
    seconds: float

    @classmethod
    def from_result(cls, result: AllocationResult, warnings: list[str]) -> AllocationResponse:
        """Present an engine result in the request's units."""
        missed = sum(u.mandatory for u in result.unallocated)
        status = ("mandatory_missed" if missed else "partial" if result.unallocated
                  else "complete")
        return cls(
            status=status, method=result.method, solver_status=result.status,
            objective=round(result.objective / MONEY_SCALE, 2),
            bound=None if result.bound is None else round(result.bound / MONEY_SCALE, 2),
            gap=None if result.gap is None else round(result.gap, 6),
            summary=AllocationSummary(
                cases=len(result.allocations) + len(result.unallocated),
                allocated=len(result.allocations), unallocated=len(result.unallocated),
                mandatory_unallocated=missed,
                value=sum(a.value for a in result.allocations) / MONEY_SCALE,
                reassigned=result.reassigned),
            collectors=[CollectorOut(collector_id=k.collector, case_ids=list(k.cases),
                                     num_cases=k.num_cases, workload_hours=round(k.workload / 60, 3),
                                     value=k.value / MONEY_SCALE, utilisation=k.utilisation)
                        for k in result.collectors],
            allocations=[AllocationOut(case_id=a.case, collector_id=a.collector,
                                       placement=a.placement.value,
                                       explanation=EXPLANATIONS[a.placement],
                                       distance_metres=a.distance,
                                       workload_hours=round(a.workload / 60, 3),
                                       value=a.value / MONEY_SCALE)
                         for a in result.allocations],
            unallocated=[UnallocatedOut(case_id=u.case, reason=u.reason.value,
                                        mandatory=u.mandatory,
                                        explanation=EXPLANATIONS[u.reason])
                         for u in result.unallocated],
            warnings=warnings, seconds=round(result.seconds, 3))


