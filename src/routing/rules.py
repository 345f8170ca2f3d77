"""Collection rules: the domain knowledge that turns cases and policy into a routing problem.

Everything a compliance officer would want to read lives here: legal visiting hours and their
sources, the rest period between visits, who may visit whom (skills, crews of two), the expected
value of a visit, and the screening that gives each customer who cannot be planned a true reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from routing.problem import Collector, Customer, Problem, TimeWindow
from routing.schedule import RouteTimer
from routing.solution import Reason


@dataclass(frozen=True)
class LegalHours:
    """Local clock times between which a debtor may be visited."""

    start: time
    end: time
    source: str

    def window(self, day: date, tz: ZoneInfo, origin: datetime) -> TimeWindow:
        """These hours on ``day`` in ``tz``, as seconds from ``origin``."""
        start = datetime.combine(day, self.start, tz)
        end = (datetime.combine(day + timedelta(days=1), time(0), tz) if self.end == time(0)
               else datetime.combine(day, self.end, tz))
        return TimeWindow(int((start - origin).total_seconds()), int((end - origin).total_seconds()))


LEGAL_HOURS = {
    # China: consumer-finance collection guidance forbids collection between 22:00 and 08:00
    # (e.g. the 2021 industry rules for consumer-loan collection of the China Banking Association).
    "china": LegalHours(time(8), time(22), "China: no collection between 22:00 and 08:00"),
    # USA: FDCPA 15 U.S.C. 1692c(a)(1): before 8 a.m. and after 9 p.m. at the consumer's location
    # are presumed inconvenient.
    "us_fdcpa": LegalHours(time(8), time(21), "USA FDCPA 15 U.S.C. 1692c(a)(1): 08:00-21:00 local"),
}
DEFAULT_LEGAL_HOURS = "china"


def expected_value(balance: float, probability_to_pay: float) -> float:
    """The expected recovery of a visit: outstanding balance times the probability to pay."""
    return balance * probability_to_pay


def is_resting(days_since_last_visit: int | None, min_rest_days: int) -> bool:
    """A customer visited fewer than ``min_rest_days`` days ago must not be visited again today."""
    return days_since_last_visit is not None and days_since_last_visit < min_rest_days


def can_serve(collector: Collector, customer: Customer) -> bool:
    """Skills, allowed collectors, crew size and load: may this collector make this visit at all?"""
    return (
        customer.required_skills <= collector.skills
        and (customer.allowed_collectors is None or collector.id in customer.allowed_collectors)
        and (not customer.needs_two_person or collector.crew_size >= 2)
        and (collector.capacity is None or customer.demand <= collector.capacity)
        and (collector.max_visits is None or collector.max_visits >= 1)
    )


@dataclass(frozen=True)
class Screening:
    """Which customers can enter the model, with whom; and why the others cannot."""

    candidates: dict[int, tuple[int, ...]]  # customer index -> collectors who can reach it alone
    excluded: dict[int, Reason]


def screen(problem: Problem, timer: RouteTimer) -> Screening:
    """Apply the rules to every customer, in a fixed order so that each reason is the first true one:
    resting, legal hours, crew of two, skills, shifts, reachability."""
    collectors = problem.collectors
    durations = problem.travel.durations
    starts = np.array([c.start_location for c in collectors], dtype=np.int64)
    ends = np.array([c.end_location for c in collectors], dtype=np.int64)
    shift_start = np.array([c.shift_start for c in collectors], dtype=np.int64)
    shift_end = np.array([c.shift_end for c in collectors], dtype=np.int64)
    max_travel = np.array([c.max_travel_time if c.max_travel_time is not None else 2**62
                           for c in collectors], dtype=np.int64)
    candidates: dict[int, tuple[int, ...]] = {}
    excluded: dict[int, Reason] = {}
    who_may: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    for i, customer in enumerate(problem.customers):
        reason = _static_reason(problem, customer, timer.windows[i])
        if reason is not None:
            excluded[i] = reason
            continue
        # Customers share a few kinds of need: who may serve them is worked out once per kind.
        need = (customer.required_skills, customer.allowed_collectors,
                customer.needs_two_person, customer.demand)
        if need not in who_may:
            who_may[need] = (
                np.array([can_serve(k, customer) for k in collectors], dtype=bool),
                np.array([k.crew_size >= 2 and (customer.allowed_collectors is None
                                                or k.id in customer.allowed_collectors)
                          for k in collectors], dtype=bool))
        able, crews = who_may[need]
        if customer.needs_two_person and not crews.any():
            excluded[i] = Reason.NEEDS_TWO_PERSON_CREW
            continue
        if not able.any():
            excluded[i] = Reason.NO_SKILLED_COLLECTOR
            continue
        service = customer.service_duration
        fits = np.zeros(len(collectors), dtype=bool)
        reach = np.zeros(len(collectors), dtype=bool)
        go = shift_start + durations[starts, customer.location]
        back = durations[customer.location, ends]
        travel_ok = durations[starts, customer.location] + back <= max_travel
        for w in timer.windows[i]:
            fits |= (w.start <= shift_end - service) & (w.end >= shift_start)
            begin = np.maximum(go, w.start)
            reach |= (begin <= w.end) & (begin + service + back <= shift_end) & travel_ok
        if not (fits & able).any():
            excluded[i] = Reason.NO_WINDOW_FITS_SHIFT
            continue
        # The vectorised test ignores the lunch break (a relaxation, so it may keep too many
        # collectors but never too few); confirm exactly that at least one can really go.
        able_idx = tuple(int(k) for k in np.flatnonzero(reach & able))
        if not any(timer.schedule(collectors[k], [i]) is not None for k in able_idx):
            excluded[i] = Reason.UNREACHABLE
            continue
        candidates[i] = able_idx
    return Screening(candidates, excluded)


def _static_reason(problem: Problem, customer: Customer, windows) -> Reason | None:
    if is_resting(customer.days_since_last_visit, problem.policy.min_rest_days):
        return Reason.RESTING
    if not windows:
        own = [w for w in customer.time_windows if w.end - w.start >= customer.service_duration]
        return Reason.OUTSIDE_LEGAL_HOURS if own else Reason.NO_WINDOW_FITS_SHIFT
    return None
