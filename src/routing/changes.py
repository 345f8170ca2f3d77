"""What a re-plan changed for each collector: the list a dispatcher phones down."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from routing.solution import Plan, StepKind, VisitState


@dataclass(frozen=True)
class Planned:
    """One visit of this morning's plan: who, by whom, when service was to start."""

    customer: str
    collector: str
    service_start: int


class ChangeKind(StrEnum):
    """How one collector's day changed."""

    ADDED = "added"
    """A visit new to the plan (an added customer, or one left out this morning)."""
    MOVED_IN = "moved_in"
    """A visit taken over from another collector (``other``)."""
    MOVED_OUT = "moved_out"
    """A visit handed to another collector (``other``)."""
    REMOVED = "removed"
    """A visit no longer planned today (see the plan's unassigned list for why)."""
    RETIMED = "retimed"
    """A visit kept, but starting more than the threshold earlier or later."""


@dataclass(frozen=True)
class Change:
    """One change to ``collector``'s day; times are seconds from the origin."""

    collector: str
    kind: ChangeKind
    customer: str
    other: str | None = None
    old_start: int | None = None
    new_start: int | None = None


def planned_visits(plan: Plan) -> tuple[Planned, ...]:
    """Every visit of ``plan`` as :class:`Planned`, done ones included."""
    return tuple(Planned(s.customer, r.collector, s.service_start)
                 for r in plan.routes for s in r.steps if s.kind is StepKind.VISIT)


def changes(previous: Sequence[Planned], plan: Plan, retime_seconds: int) -> tuple[Change, ...]:
    """The changes from ``previous`` to ``plan`` per collector, leaving out visits that are
    done or under way (those happened; they are not the plan's doing)."""
    before = {p.customer: p for p in previous}
    after, fixed = {}, set()
    for route in plan.routes:
        for s in route.steps:
            if s.kind is not StepKind.VISIT:
                continue
            if s.state is VisitState.PLANNED:
                after[s.customer] = Planned(s.customer, route.collector, s.service_start)
            else:
                fixed.add(s.customer)
    found = []
    for customer, new in after.items():
        old = before.get(customer)
        if old is None:
            found.append(Change(new.collector, ChangeKind.ADDED, customer,
                                new_start=new.service_start))
        elif old.collector != new.collector:
            found.append(Change(new.collector, ChangeKind.MOVED_IN, customer, old.collector,
                                old.service_start, new.service_start))
            found.append(Change(old.collector, ChangeKind.MOVED_OUT, customer, new.collector,
                                old.service_start, new.service_start))
        elif abs(new.service_start - old.service_start) > retime_seconds:
            found.append(Change(new.collector, ChangeKind.RETIMED, customer,
                                old_start=old.service_start, new_start=new.service_start))
    for customer, old in before.items():
        if customer not in after and customer not in fixed:
            found.append(Change(old.collector, ChangeKind.REMOVED, customer,
                                old_start=old.service_start))
    return tuple(sorted(found, key=lambda c: (c.collector, c.kind, c.customer)))
