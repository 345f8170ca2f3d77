"""The allocation the engine returns: who owns which case, why, and what was left unallocated."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Placement(StrEnum):
    """Why an allocated case went to its collector. Each is true of the final allocation."""

    KEPT_CURRENT = "kept_current_collector"
    NEAREST = "nearest_eligible_collector"
    NEAREST_WITH_ROOM = "nearest_eligible_collector_with_room"
    TRADE_OFF = "best_trade_off"


class Unallocated(StrEnum):
    """Why a case is not allocated."""

    NO_COLLECTOR_IN_REACH = "no_collector_with_skills_in_reach"
    EXCLUDED = "excluded"
    ALL_FULL = "all_eligible_collectors_full"
    NOT_WORTH_IT = "not_worth_the_travel"
    REASSIGNMENT_CAP = "reassignment_cap_reached"
    WOULD_UNBALANCE = "would_unbalance_workloads"


EXPLANATIONS = {
    Placement.KEPT_CURRENT: "Stays with the collector who already works it.",
    Placement.NEAREST: "The nearest collector with the skills and territory for it.",
    Placement.NEAREST_WITH_ROOM: "Nearer able collectors are full; this is the nearest with room.",
    Placement.TRADE_OFF: "Placed for the best overall value, travel and balance.",
    Unallocated.NO_COLLECTOR_IN_REACH:
        "No collector with the skills and territory is within the distance limit.",
    Unallocated.EXCLUDED: "Every collector who could take it is excluded for it.",
    Unallocated.ALL_FULL: "Every collector who could take it is at capacity (cases or hours).",
    Unallocated.NOT_WORTH_IT: "Its expected value is below the travel burden for every collector "
                              "with room.",
    Unallocated.REASSIGNMENT_CAP: "Only a change of hands would place it, and the cap on "
                                  "reassignments is reached.",
    Unallocated.WOULD_UNBALANCE: "Placing it would push workloads out of the balance band by more "
                                 "than it is worth.",
}


@dataclass(frozen=True)
class CaseAllocation:
    """One allocated case."""

    case: str
    collector: str
    placement: Placement
    distance: int  # metres from the collector's base
    workload: int  # minutes
    value: int  # cents


@dataclass(frozen=True)
class CollectorLoad:
    """One collector's portfolio after the allocation (new cases plus current load)."""

    collector: str
    cases: tuple[str, ...]
    num_cases: int
    workload: int  # minutes, current load included
    value: int  # cents, new cases only
    utilisation: float | None  # workload / capacity


@dataclass(frozen=True)
class UnallocatedCase:
    """A case left unallocated, with its reason."""

    case: str
    reason: Unallocated
    mandatory: bool


@dataclass(frozen=True)
class AllocationResult:
    """The result of :func:`allocation.solve`. Objective, bound and gap are in cents."""

    method: str
    status: str
    objective: float
    bound: float | None
    gap: float | None
    allocations: tuple[CaseAllocation, ...]
    collectors: tuple[CollectorLoad, ...]
    unallocated: tuple[UnallocatedCase, ...]
    reassigned: int
    seconds: float
