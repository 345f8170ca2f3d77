"""The week-plan request (JSON) and its conversion to the engine's week (``routing.week``): each
day is converted as a day plan would be (legal hours, follow-up decisions, rest), then the days
become one problem in which every collector-day is a route."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from api.schemas.common import (
    FieldError,
    Id,
    Location,
    Strict,
    TimeZoneName,
    Unlocated,
    Window,
)
from api.schemas.follow_up import Held
from api.schemas.plan import (
    CustomerIn,
    LunchBreak,
    OptionsIn,
    PlanContext,
    PlanRequest,
    PolicyIn,
    day_span,
    on_the_day,
    placed_customers,
    to_problem,
)
from api.schemas.travel import TravelIn
from routing import Collector, Customer, Problem, Reason
from routing.week import Day, Week, week_problem

MAX_DAYS = 7


class ShiftIn(Strict):
    """A collector's shift on one day of the week."""

    date: date
    shift: Window
    lunch_break: LunchBreak | None = None


class WeekCollectorIn(Strict):
    """A collector and their shift on each day they work (days not listed: off)."""

    id: Id
    start: Location
    end: Location | None = Field(None, description="default: the start")
    shifts: list[ShiftIn] = Field(min_length=1, max_length=MAX_DAYS)
    max_visits: int | None = Field(None, ge=0, le=10_000, description="per day")
    max_travel_seconds: int | None = Field(None, ge=0, le=86400, description="per day")
    skills: list[Id] = []
    crew_size: int = Field(1, ge=1, le=10)


class WeekCustomerIn(CustomerIn):
    """A customer who may be visited once this week. ``time_windows`` may span any days;
    ``due_on`` (a promise falling due, an appointment) makes the visit mandatory on that day
    and on no other."""

    due_on: date | None = None


class WeekPolicyIn(PolicyIn):
    """The rules of a day plan, and how the days weigh against each other."""

    discount_per_day: float = Field(0.01, ge=0, lt=1, description=(
        "a visit one day later earns this share less (value earlier in the week is worth a "
        "little more)"))


class WeekRequest(Strict):
    """A request for a plan of several days (1 to 7)."""

    days: list[date] = Field(min_length=1, max_length=MAX_DAYS)
    timezone: TimeZoneName
    collectors: list[WeekCollectorIn] = Field(min_length=1)
    customers: list[WeekCustomerIn]
    policy: WeekPolicyIn = WeekPolicyIn()
    travel: TravelIn = TravelIn()
    options: OptionsIn = OptionsIn()

    @model_validator(mode="after")
    def _consistent(self) -> WeekRequest:
        for k in range(1, len(self.days)):
            if self.days[k] <= self.days[k - 1]:
                raise FieldError(f"days[{k}]", f"{self.days[k]} is not after {self.days[k - 1]} "
                                 "(give each day once, in order)")
        days = set(self.days)
        zone = ZoneInfo(self.timezone)
        for j, c in enumerate(self.collectors):
            previous = None
            for k, s in enumerate(c.shifts):
                where = f"collectors[{j}].shifts[{k}]"
                if s.date not in days:
                    raise FieldError(f"{where}.date", f"{s.date} is not one of the days")
                if s.shift.start.astimezone(zone).date() != s.date:
                    raise FieldError(f"{where}.shift", f"starts on another day than {s.date}")
                if previous is not None and s.shift.start < previous:
                    raise FieldError(where, "overlaps or comes before the shift before it")
                previous = s.shift.end
        spans = [day_span(d, self.timezone, [s.shift for c in self.collectors
                                              for s in c.shifts if s.date == d])
                 for d in self.days]
        for k, c in enumerate(self.customers):
            if c.due_on is not None and c.due_on not in days:
                raise FieldError(f"customers[{k}].due_on", f"{c.due_on} is not one of the days")
            if not any(on_the_day(c.time_windows, span) for span in spans):
                raise FieldError(f"customers[{k}].time_windows", "no window on any of the "
                                 "days; give windows on the days of the plan")
        return self


@dataclass(frozen=True, eq=False)
class WeekContext:
    """What is needed to present the engine's week plan in the request's terms."""

    week: Week
    context: PlanContext  # the week's origin, time zone and points
    held: tuple[Held, ...]  # customers the follow-up policy holds out on every day
    unlocated: tuple[Unlocated, ...] = ()  # customers whose address was not found


def day_request(request: WeekRequest, day: date) -> PlanRequest | None:
    """The day plan ``day`` stands for: the collectors working it, with that day's shift, and
    the customers who may be visited that day (None: nobody works)."""
    working = {c.id: s for c in request.collectors for s in c.shifts if s.date == day}
    if not working:
        return None
    customers = []
    span = day_span(day, request.timezone, [s.shift for s in working.values()])
    for c in request.customers:
        if c.due_on is not None and c.due_on != day or not on_the_day(c.time_windows, span):
            continue
        allowed = None if c.allowed_collectors is None else [
            a for a in c.allowed_collectors if a in working]
        if allowed == []:
            continue
        body = c.model_dump(exclude_unset=True, exclude={"due_on"})
        body.update(allowed_collectors=allowed, mandatory=c.mandatory or c.due_on == day,
                    preferred_collector=c.preferred_collector
                    if c.preferred_collector in working else None)
        customers.append(body)
    collectors = []
    for c in request.collectors:
        if c.id in working:
            s = working[c.id]
            body = c.model_dump(exclude_unset=True, exclude={"shifts"})
            body["shift"] = s.shift.model_dump()
            if s.lunch_break is not None:
                body["lunch_break"] = s.lunch_break.model_dump()
            collectors.append(body)
    policy = request.policy.model_dump(exclude_unset=True, exclude={"discount_per_day"})
    return PlanRequest.model_validate({
        "date": day, "timezone": request.timezone, "collectors": collectors,
        "customers": customers, "policy": policy,
        "travel": request.travel.model_dump(exclude_unset=True),
        "options": request.options.model_dump(exclude_unset=True)})


def to_week(request: WeekRequest, *, with_travel: bool = True) -> WeekContext:
    """Convert a validated week request into the engine's week (travel worked out once; with
    ``with_travel=False`` left at nothing, for checking the engine's invariants only).
    Customers whose address was not found are left out, in ``WeekContext.unlocated``."""
    request, unlocated = placed_customers(request, with_travel)
    template = _template(request)
    problem, context = to_problem(template, with_travel=with_travel)
    origin = context.origin
    locations = {c.id: c.location for c in problem.customers}
    starts = {c.id: (c.start_location, c.end_location) for c in problem.collectors}
    days, held_every_day = [], None
    for label in request.days:
        day = day_request(request, label)
        if day is None:
            continue
        day_problem, day_context = to_problem(day, with_travel=False)
        held = {h.customer: h for h in day_context.held}
        held_every_day = held if held_every_day is None else {
            k: v for k, v in held_every_day.items() if k in held}
        offset = int((day_context.origin - origin).total_seconds())
        days.append(Day(
            label.isoformat(), offset,
            tuple(_placed(c, *starts[c.id]) for c in day_problem.collectors),
            tuple(_located(c, locations[c.id]) for c in day_problem.customers)))
    preferred = {c.id: c.preferred_collector for c in request.customers}
    persons = {c.id for day in days for c in day.collectors}
    week = week_problem(days, problem.travel, problem.policy, problem.options,
                        request.policy.discount_per_day)
    customers = tuple(
        replace(c, preferred_collector=preferred[c.id])
        if c.preferred_collector is None and preferred.get(c.id) in persons else c
        for c in week.problem.customers)
    held = tuple((held_every_day or {}).values())
    excluded = dict(week.excluded)
    placed = {c.id for c in customers} | set(excluded) | {h.customer for h in held}
    for c in request.customers:
        if c.id not in placed:  # no day on which an allowed collector works
            excluded[c.id] = Reason.NO_SKILLED_COLLECTOR
    whole = Problem(week.problem.collectors, customers, week.problem.travel,
                    week.problem.policy, week.problem.options)
    return WeekContext(Week(whole, week.days, excluded), context, held, unlocated)


def _template(request: WeekRequest) -> PlanRequest:
    """A day request holding every customer and collector once: its travel, policy and
    options are the week's."""
    collectors = []
    for c in request.collectors:
        body = c.model_dump(exclude_unset=True, exclude={"shifts"})
        body["shift"] = c.shifts[0].shift.model_dump()
        collectors.append(body)
    customers = [c.model_dump(exclude_unset=True, include={"id", "location", "value",
                                                           "service_seconds"})
                 | {"value": 0.0} for c in request.customers]
    return PlanRequest.model_validate({
        "date": request.days[0], "timezone": request.timezone, "collectors": collectors,
        "customers": customers, "travel": request.travel.model_dump(exclude_unset=True),
        "policy": request.policy.model_dump(exclude_unset=True, exclude={"discount_per_day"}),
        "options": request.options.model_dump(exclude_unset=True)})


def _placed(collector: Collector, start: int, end: int) -> Collector:
    return replace(collector, start_location=start, end_location=end)


def _located(customer: Customer, location: int) -> Customer:
    return replace(customer, location=location)
