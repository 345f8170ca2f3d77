"""The allocation response (JSON): the engine's result in the request's units (money in the
lender's currency, workload in hours, distances in metres)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from allocation import AllocationResult
from allocation.solution import EXPLANATIONS
from api.schemas.common import ADDRESS_NOT_FOUND, MONEY_SCALE, Unlocated
from api.schemas.follow_up import Held
from followup.decide import EXPLANATIONS as HOLD_EXPLANATIONS


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
    def from_result(cls, result: AllocationResult, warnings: list[str],
                    held: Sequence[Held] = (), unlocated: Sequence[Unlocated] = ()
                    ) -> AllocationResponse:
        """Present an engine result in the request's units, with the cases the follow-up
        policy took out of the field, and those whose address was not found, among the
        unallocated."""
        out = [UnallocatedOut(case_id=h.customer, reason=h.reason.value, mandatory=h.mandatory,
                              explanation=HOLD_EXPLANATIONS[h.reason]) for h in held]
        out += [UnallocatedOut(case_id=u.customer, reason=ADDRESS_NOT_FOUND,
                               mandatory=u.mandatory, explanation=u.explanation)
                for u in unlocated]
        missed = sum(u.mandatory for u in result.unallocated) + sum(u.mandatory for u in out)
        status = ("mandatory_missed" if missed else "partial" if result.unallocated or out
                  else "complete")
        return cls(
            status=status, method=result.method, solver_status=result.status,
            objective=round(result.objective / MONEY_SCALE, 2),
            bound=None if result.bound is None else round(result.bound / MONEY_SCALE, 2),
            gap=None if result.gap is None else round(result.gap, 6),
            summary=AllocationSummary(
                cases=len(result.allocations) + len(result.unallocated) + len(out),
                allocated=len(result.allocations),
                unallocated=len(result.unallocated) + len(out),
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
                         for u in result.unallocated] + out,
            warnings=warnings, seconds=round(result.seconds, 3))


