"""The day plan the engine returns: routes of typed steps, a summary, and who was left out and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """Why a customer is not in today's plan. Each is checked to be true when it is given;
    :data:`EXPLANATIONS` says what each means."""

    RESTING = "resting_after_recent_visit"
    OUTSIDE_LEGAL_HOURS = "outside_legal_hours"
    NEEDS_TWO_PERSON_CREW = "needs_two_person_crew"
    NO_SKILLED_COLLECTOR = "no_collector_with_skills"
    NO_WINDOW_FITS_SHIFT = "no_window_fits_shift"
    UNREACHABLE = "unreachable_in_time"
    NOT_WORTH_THE_TRIP = "not_worth_the_trip"
    DAY_FULL = "day_full"


EXPLANATIONS: dict[Reason, str] = {
    Reason.RESTING: "Visited fewer than the policy's minimum rest days ago.",
    Reason.OUTSIDE_LEGAL_HOURS:
        "The customer's time windows could hold the visit, but not within the legal visiting hours.",
    Reason.NEEDS_TWO_PERSON_CREW:
        "The home needs a two-person visit and no crew of two may go there.",
    Reason.NO_SKILLED_COLLECTOR:
        "No collector has the required skills (or is allowed to go, or has the capacity).",
    Reason.NO_WINDOW_FITS_SHIFT:
        "No time window leaves room for the visit within the shift of a collector who could make it.",
    Reason.UNREACHABLE:
        "Even alone on an empty route, no able collector can get there, make the visit and get "
        "back in time (shift, lunch break, travel cap).",
    Reason.NOT_WORTH_THE_TRIP:
        "The visit fits into a route, but the extra travel costs more than the visit is worth.",
    Reason.DAY_FULL:
        "The customer could be visited alone, but fits into no route of this plan: the able "
        "collectors' days are full with visits worth more (time, visit cap or travel cap).",
}

LABELS: dict[Reason, str] = {
    Reason.RESTING: "resting after a recent visit",
    Reason.OUTSIDE_LEGAL_HOURS: "outside legal visiting hours",
    Reason.NEEDS_TWO_PERSON_CREW: "needs a crew of two",
    Reason.NO_SKILLED_COLLECTOR: "no collector with the skills",
    Reason.NO_WINDOW_FITS_SHIFT: "no window fits a shift",
    Reason.UNREACHABLE: "cannot be reached in time",
    Reason.NOT_WORTH_THE_TRIP: "not worth the trip",
    Reason.DAY_FULL: "day full",
}
"""Each reason in a few words, for a dispatcher's map and the command line."""


class Status(StrEnum):
    """How complete the plan is."""

    COMPLETE = "complete"
    """Every customer is planned."""
    PARTIAL = "partial"
    """Some optional customers are left out (each with a reason); every mandatory one is planned."""
    MANDATORY_MISSED = "mandatory_missed"
    """At least one mandatory customer could not be planned; see its reason."""


class StepKind(StrEnum):
    """What a step of a route is."""

    START = "start"
    VISIT = "visit"
    BREAK = "break"
    POSITION = "position"
    """Re-plans: where the collector reported being (a phone's position), the route goes on
    from there."""
    END = "end"


class VisitState(StrEnum):
    """Re-plans: whether a step already happened."""

    PLANNED = "planned"
    DONE = "done"
    UNDER_WAY = "under_way"


@dataclass(frozen=True)
class Step:
    """One step of a route. Times are seconds from the origin; travel is from the previous step."""

    kind: StepKind
    location: int | None
    customer: str | None
    arrival: int
    waiting: int
    service_start: int
    service_end: int
    travel_time: int
    distance: int
    state: VisitState = VisitState.PLANNED


@dataclass(frozen=True, kw_only=True)
class Totals:
    """Figures of a route, or summed over a plan. Utilisation is (travel + service) / shift."""

    visits: int
    value: int
    travel_time: int
    distance: int
    service_time: int
    working_time: int
    utilisation: float


@dataclass(frozen=True, kw_only=True)
class Route(Totals):
    """One collector's day."""

    collector: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Unassigned:
    """A customer left out of the plan, with its reason."""

    customer: str
    reason: Reason
    mandatory: bool


@dataclass(frozen=True, kw_only=True)
class Summary(Totals):
    """Totals over all routes, with the objective: value collected minus travel cost."""

    travel_cost: float
    objective: float
    preferred_visits: int


@dataclass(frozen=True)
class Plan:
    """The result of :func:`routing.solve`."""

    status: Status
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    summary: Summary
    solver_status: str
    solve_seconds: float
    time_limit_hit: bool
