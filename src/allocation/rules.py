"""Collection rules of allocation: effort by delinquency bucket, seniority for large balances,
and what makes a collector eligible for a case. Kept together so they can be read and changed
in one place."""

from __future__ import annotations

from allocation.problem import Case, Collector

BUCKETS = ("M1", "M2", "M3", "M4", "M5", "M6+")

# Expected field effort per cycle, in minutes: later buckets need more visits and tracing.
DEFAULT_WORKLOAD_MINUTES = {"M1": 60, "M2": 90, "M3": 120, "M4": 150, "M5": 180, "M6+": 210}

# Balances at or above this (in currency units) need a collector with the "senior" skill.
SENIOR_BALANCE = 50_000
SENIOR_SKILL = "senior"


def bucket_of(days_past_due: int) -> str:
    """M1 = 1-30 days past due, M2 = 31-60, ..., M6+ = 151 days and more."""
    if days_past_due < 1:
        raise ValueError("a case is overdue by at least one day")
    return BUCKETS[min(5, (days_past_due - 1) // 30)]


def default_workload(bucket: str) -> int:
    """Minutes of effort a case of this bucket needs in a cycle."""
    return DEFAULT_WORKLOAD_MINUTES[bucket]


def required_skills(balance: float, skills: frozenset[str],
                    senior_balance: float = SENIOR_BALANCE) -> frozenset[str]:
    """The case's own skills, plus seniority for a large balance."""
    return skills | {SENIOR_SKILL} if balance >= senior_balance else skills


def may_work(collector: Collector, case: Case) -> bool:
    """Skills and territory (distance and exclusions are checked elsewhere)."""
    return case.required_skills <= collector.skills and (
        collector.regions is None or case.region is None or case.region in collector.regions)
