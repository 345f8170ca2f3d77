"""The day-plan request (JSON) and its conversion to the engine's problem; the response is in
``api.schemas.plan_out``.

Units: durations in seconds, distances in metres, money in the lender's currency (two decimals
are kept), times as ISO 8601 with a UTC offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import AwareDatetime, Field, model_validator

from api import defaults
from api.schemas.common import (
    MAX_MONEY,
    MAX_SEED,
    FieldError,
    GeocodeMatch,
    Id,
    Location,
    Strict,
    TimeZoneName,
    Unlocated,
    Window,
    placed,
    cents,
    seconds_between,
)
from api.schemas.follow_up import FollowUpIn, Held, VisitIn, decision, shaped
from api.schemas.travel import TravelIn
from common.geo import CoordinateSystem, to_wgs84
from followup import InvalidHistory
from routing import (
    Break,
    Collector,
    Customer,
    InvalidProblem,
    Options,
    Policy,
    Problem,
    TimeWindow,
    TravelMatrix,
    custom_matrix,
    geodesic_matrix,
)
from routing.rules import DEFAULT_LEGAL_HOURS, LEGAL_HOURS, LegalHours, expected_value


class LunchBreak(Strict):
    """A break of ``duration_seconds`` taken entirely between ``earliest_start`` and ``latest_end``."""

    earliest_start: AwareDatetime
    latest_end: AwareDatetime
    duration_seconds: int = Field(ge=0, le=12 * 3600)

    @model_validator(mode="after")
    def _fits(self) -> LunchBreak:
        span = (self.latest_end - self.earliest_start).total_seconds()
        if span < self.duration_seconds:
            raise ValueError("the break window is shorter than the break")
        return self


class CollectorIn(Strict):
    """A collector, or a crew of ``crew_size`` people travelling together."""

    id: Id
    start: Location
    end: Location | None = Field(None, description="default: the start")
    shift: Window
    lunch_break: LunchBreak | None = None
    max_visits: int | None = Field(None, ge=0, le=10_000)
    max_travel_seconds: int | None = Field(None, ge=0, le=7 * 86400)
    skills: list[Id] = []
    crew_size: int = Field(1, ge=1, le=10)


class CustomerIn(Strict):
    """A customer who may be visited today. Give ``value`` or ``balance`` with
    ``probability_to_pay`` (value = balance x probability)."""

    id: Id
    location: Location | None = Field(None, description=(
        "where the visit is; without it, the address is geocoded (fieldplan --addresses or "
        "--geocoder; the HTTP service's FIELDPLAN_ADDRESSES or FIELDPLAN_GEOCODER)"))
    value: float | None = Field(None, ge=0, le=MAX_MONEY, description="expected recovery")
    balance: float | None = Field(None, ge=0, le=MAX_MONEY)
    probability_to_pay: float | None = Field(None, ge=0, le=1)
    service_seconds: int = Field(defaults.SERVICE_SECONDS, ge=0, le=12 * 3600)
    time_windows: list[Window] | None = Field(
        None, min_length=1, description="default: any time (legal hours still apply)")
    mandatory: bool = Field(False, description="promise-to-pay follow-up or appointment today")
    required_skills: list[Id] = []
    allowed_collectors: list[Id] | None = None
    preferred_collector: Id | None = None
    needs_two_person: bool = False
    last_visit: date | None = None
    timezone: TimeZoneName | None = Field(None, description="default: the request's time zone")
    history: list[VisitIn] | None = Field(None, max_length=10_000, description=(
        "past visits and their outcomes: the follow-up policy then decides whether the customer "
        "is due, held out (with the reason), mandatory, for whom and when"))
    address_updated: date | None = Field(None, description=(
        "when the address was last corrected (a wrong_address or moved outcome before it no "
        "longer holds the customer out)"))
    address: str | None = Field(None, max_length=500, description=(
        "shown on route sheets; geocoded when no location is given"))
    geocode_match: GeocodeMatch | None = Field(None, description=(
        "how the location was found from the address: exact (street and number), street "
        "(the street only), service (a geocoding service's answer), kept (given with the "
        "address); none: not found, and the customer is left out with reason "
        "address_not_found"))
    geocode_note: str | None = Field(None, max_length=500, description=(
        "why the address was not found, or matched only in part"))
    notes: str | None = Field(None, max_length=1000, description="shown on route sheets only")

    @model_validator(mode="after")
    def _placed(self) -> CustomerIn:
        if self.location is None and not self.address and self.geocode_match != "none":
            raise FieldError("location", "required: give location (lat, lon), or an address "
                                         "to geocode")
        return self

    @model_validator(mode="after")
    def _value_given_once(self) -> CustomerIn:
        by_balance = self.balance is not None or self.probability_to_pay is not None
        if self.value is None and not by_balance:
            raise ValueError("give value, or balance and probability_to_pay")
        if self.value is not None and by_balance:
            raise ValueError("give value or balance with probability_to_pay, not both")
        if by_balance and (self.balance is None or self.probability_to_pay is None):
            raise ValueError("balance and probability_to_pay go together")
        return self

    def expected_value(self) -> float:
        """The value of visiting this customer."""
        if self.value is not None:
            return self.value
        return expected_value(self.balance, self.probability_to_pay)


class ClockHours(Strict):
    """Custom legal visiting hours, in the debtor's local time."""

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> ClockHours:
        if self.end != time(0) and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class PolicyIn(Strict):
    """Collection rules and trade-offs."""

    legal_hours: Literal["china", "us_fdcpa"] | ClockHours = Field(
        DEFAULT_LEGAL_HOURS,
        description="'china' 08:00-22:00 (default), 'us_fdcpa' 08:00-21:00, or {start, end}")
    min_rest_days: int = Field(0, ge=0, le=365)
    travel_cost_per_hour: float = Field(defaults.TRAVEL_COST_PER_HOUR, ge=0, le=MAX_MONEY,
                                        description="money per hour of driving")
    preferred_collector_bonus: float = Field(0.0, ge=0, le=MAX_MONEY)
    balance_cost_per_visit: float = Field(
        0.0, ge=0, le=MAX_MONEY,
        description="charged per visit of the busiest route; 0 turns balancing off")
    follow_up: FollowUpIn = Field(FollowUpIn(), description=(
        "how customers' visit histories shape the plan (applies to customers with a history)"))

    def legal(self) -> LegalHours:
        """The legal hours in force."""
        if isinstance(self.legal_hours, str):
            return LEGAL_HOURS[self.legal_hours]
        return LegalHours(self.legal_hours.start, self.legal_hours.end, "custom")


class OptionsIn(Strict):
    """Search settings."""

    time_limit_seconds: float = Field(10.0, gt=0, le=3600)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    deterministic: bool = Field(
        False, description="stop after work_limit search branches instead of at the time limit: "
        "the same input gives the same plan on any machine (unless the time limit, kept as a "
        "safety net, is hit first; the response says so)")
    work_limit: int = Field(5000, ge=1, le=10_000_000)


def day_span(day: date, timezone: str, shifts) -> tuple[datetime, datetime]:
    """The planned day in its time zone, widened by any shift that runs past midnight."""
    start = datetime.combine(day, time(0), ZoneInfo(timezone))
    end = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(timezone))
    for shift in shifts:
        start, end = min(start, shift.start), max(end, shift.end)
    return start, end


def on_the_day(windows, span: tuple[datetime, datetime]) -> bool:
    """Whether a customer's windows (none: any time) touch the planned day."""
    return not windows or any(w.start < span[1] and w.end > span[0] for w in windows)


class PlanRequest(Strict):
    """A request for one day's visit plan."""

    date: date
    timezone: TimeZoneName
    collectors: list[CollectorIn] = Field(min_length=1)
    customers: list[CustomerIn]
    policy: PolicyIn = PolicyIn()
    travel: TravelIn = TravelIn()
    options: OptionsIn = OptionsIn()
    case_file: bool = Field(False, description=(
        "HTTP service: fill in each customer's history and address_updated from the tenant's "
        "case file (POST /v1/outcomes), where the request gives none"))

    @model_validator(mode="after")
    def _consistent(self) -> PlanRequest:
        _unique("collectors", [c.id for c in self.collectors])
        _unique("customers", [c.id for c in self.customers])
        known = {c.id for c in self.collectors}
        for k, c in enumerate(self.customers):
            for name in ("allowed_collectors", "preferred_collector"):
                value = getattr(c, name)
                refs = value if isinstance(value, list) else [] if value is None else [value]
                missing = [r for r in refs if r not in known]
                if missing:
                    raise FieldError(f"customers[{k}].{name}",
                                     f"collector(s) {missing} not in the request")
        for k, c in enumerate(self.collectors):
            brk = c.lunch_break
            if brk and (brk.earliest_start < c.shift.start or brk.latest_end > c.shift.end):
                raise FieldError(f"collectors[{k}].lunch_break", "must lie inside the shift")
        self._check_windows_on_the_day()
        if self.travel.matrix is not None:
            self._check_matrix()
        return self

    def _check_windows_on_the_day(self) -> None:
        """A customer whose windows all lie on other days than the plan's cannot be met this
        day; that is a mistake in the request (a wrong date), not a reason to leave them out."""
        span = day_span(self.date, self.timezone, [c.shift for c in self.collectors])
        for k, c in enumerate(self.customers):
            if not on_the_day(c.time_windows, span):
                raise FieldError(f"customers[{k}].time_windows",
                                 f"no window on {self.date}, the plan's date; give windows on "
                                 "that day, or plan the day the windows are on")

    def _check_matrix(self) -> None:
        matrix = self.travel.matrix
        n = len(matrix.durations)
        if matrix.distances is not None and matrix.distances.shape != (n, n):
            raise FieldError("travel.matrix.distances", f"must be {n} x {n}, as the durations")
        for where, loc in self._locations():
            if loc.matrix_index is None:
                raise FieldError(f"{where}.matrix_index", "required with a custom matrix")
            if loc.matrix_index >= n:
                raise FieldError(f"{where}.matrix_index",
                                 f"{loc.matrix_index} is outside the {n} x {n} matrix")

    def _locations(self):
        for k, c in enumerate(self.customers):
            if c.location is not None:
                yield f"customers[{k}].location", c.location
        for k, c in enumerate(self.collectors):
            yield f"collectors[{k}].start", c.start
            if c.end is not None:
                yield f"collectors[{k}].end", c.end


def _unique(name: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for k, i in enumerate(ids):
        if i in seen:
            raise FieldError(f"{name}[{k}].id", f"duplicate id {i!r}")
        seen.add(i)


@dataclass(frozen=True)
class PlanContext:
    """What is needed to present the engine's plan in the request's terms."""

    origin: datetime
    zone: ZoneInfo
    points: np.ndarray  # WGS-84 (lat, lon) per engine location, NaN where unknown
    held: tuple[Held, ...] = ()  # customers the follow-up policy keeps out of the plan
    extra: tuple[int, ...] = ()  # engine locations of the ``extra`` points given to to_problem
    timed_by: str = ""  # what timed the day, when not what the request asked for
    unlocated: tuple[Unlocated, ...] = ()  # customers whose address was not found
    snaps: np.ndarray | None = None  # roads: metres from each location to its road

    def at(self, seconds: int) -> datetime:
        """The moment ``seconds`` after the origin, in the request's time zone."""
        return (self.origin + timedelta(seconds=seconds)).astimezone(self.zone)


def _location_names(request: PlanRequest, extra: Sequence[tuple[str, Location]]) -> list[str]:
    """The field of each travel location, in to_problem's order (for a provider's errors)."""
    names = [f"customers[{k}].location ({c.id})" for k, c in enumerate(request.customers)]
    for j in range(len(request.collectors)):
        names += [f"collectors[{j}].start", f"collectors[{j}].end"]
    return names + [where for where, _ in extra]


def to_problem(request: PlanRequest, *, with_travel: bool = True,
               extra: Sequence[tuple[str, Location]] = ()) -> tuple[Problem, PlanContext]:
    """Convert a validated request into an engine problem. With ``with_travel=False`` the travel
    between straight-line locations is left at nothing (``TravelMatrix.stand_in``): the problem
    is then only good for checking the engine's invariants, which it does in full. ``extra``
    points (field name, location; such as collectors' reported positions) become locations of
    the travel too; ``PlanContext.extra`` says which. A customer whose address was not found
    (``geocode_match`` none) is left out, in ``PlanContext.unlocated``; one with an address
    still to geocode is refused when the travel is worked out."""
    request, unlocated = placed_customers(request, with_travel)
    zone = ZoneInfo(request.timezone)
    origin = min(c.shift.start for c in request.collectors)
    secs = lambda moment: seconds_between(origin, moment)  # noqa: E731
    locations = [c.location for c in request.customers]
    for c in request.collectors:
        locations += [c.start, c.end or c.start]
    for where, loc in extra:
        if request.travel.matrix is not None and loc.matrix_index is None:
            raise InvalidProblem(f"{where}.matrix_index", "required with a custom matrix")
        if (request.travel.matrix is not None
                and loc.matrix_index >= len(request.travel.matrix.durations)):
            raise InvalidProblem(f"{where}.matrix_index", "is outside the custom matrix")
    first_extra = len(locations)
    locations += [loc for _, loc in extra]
    lat, lon = _wgs84(locations, request.travel.coordinate_system)
    timed_by, snaps = "", None
    if request.travel.matrix is None and not with_travel:
        if request.travel.used == "roads":
            from api.schemas.roads import check_snaps

            check_snaps(request.travel, lat, lon, _location_names(request, extra))
        travel = TravelMatrix.stand_in(len(locations))
        index = list(range(len(locations)))
        points = np.column_stack([lat, lon])
    elif request.travel.used in ("roads", "osrm", "valhalla"):
        from api.schemas.roads import provider_matrix

        travel, timed_by, snaps = provider_matrix(request.travel, lat, lon,
                                                  _location_names(request, extra),
                                                  _shift_hours(request, zone))
        index = list(range(len(locations)))
        points = np.column_stack([lat, lon])
    elif request.travel.matrix is None:
        travel = geodesic_matrix(lat, lon, speed_kmh=request.travel.speed_kmh,
                                 detour_factor=request.travel.detour_factor)
        index = list(range(len(locations)))
        points = np.column_stack([lat, lon])
    else:
        travel = custom_matrix(request.travel.matrix.durations, request.travel.matrix.distances)
        index = [loc.matrix_index for loc in locations]
        points = np.full((travel.num_locations, 2), np.nan)
        points[index] = np.column_stack([lat, lon])
    n = len(request.customers)
    legal = request.policy.legal()
    known = {c.id for c in request.collectors}
    follow_up = request.policy.follow_up.policy()
    customers, held = [], []
    for k, c in enumerate(request.customers):
        own_zone = ZoneInfo(c.timezone) if c.timezone else zone
        decided = None
        if c.history is not None or c.address_updated is not None:
            try:
                decided = decision(c.id, c.history or [], c.address_updated, request.date,
                                   own_zone, follow_up)
            except InvalidHistory as exc:
                raise InvalidHistory(f"customers[{k}].{exc.field}", exc.reason) from None
        if decided is not None and decided.hold is not None:
            held.append(Held(c.id, decided.hold, decided.until, c.mandatory))
            continue
        windows = ([TimeWindow(secs(w.start), secs(w.end)) for w in c.time_windows]
                   if c.time_windows else [TimeWindow(*defaults.ANY_TIME)])
        customers.append(Customer(
            id=c.id, location=index[k], value=cents(c.expected_value()),
            service_duration=c.service_seconds, time_windows=tuple(windows),
            mandatory=c.mandatory, required_skills=frozenset(c.required_skills),
            allowed_collectors=None if c.allowed_collectors is None
            else frozenset(c.allowed_collectors),
            preferred_collector=c.preferred_collector, needs_two_person=c.needs_two_person,
            days_since_last_visit=None if c.last_visit is None
            else (request.date - c.last_visit).days,
            legal_window=legal.window(request.date, own_zone, origin)))
        if decided is not None:
            customers[-1] = shaped(customers[-1], decided, known, request.date, own_zone,
                                         origin)
    collectors = []
    for k, c in enumerate(request.collectors):
        brk = c.lunch_break
        collectors.append(Collector(
            id=c.id, start_location=index[n + 2 * k], end_location=index[n + 2 * k + 1],
            shift_start=secs(c.shift.start), shift_end=secs(c.shift.end),
            lunch_break=None if brk is None else Break(
                secs(brk.earliest_start), secs(brk.latest_end), brk.duration_seconds),
            max_visits=c.max_visits, max_travel_time=c.max_travel_seconds,
            skills=frozenset(c.skills), crew_size=c.crew_size))
    policy = request.policy
    problem = Problem(
        collectors=tuple(collectors), customers=tuple(customers), travel=travel,
        policy=Policy(min_rest_days=policy.min_rest_days,
                      travel_cost_per_hour=cents(policy.travel_cost_per_hour),
                      preferred_bonus=cents(policy.preferred_collector_bonus),
                      balance_cost_per_visit=cents(policy.balance_cost_per_visit)),
        options=Options(time_limit=request.options.time_limit_seconds, seed=request.options.seed,
                        deterministic=request.options.deterministic,
                        work_limit=request.options.work_limit))
    return problem, PlanContext(origin, zone, points, tuple(held),
                                tuple(index[first_extra:]), timed_by=timed_by,
                                unlocated=unlocated, snaps=snaps)


def _shift_hours(request: PlanRequest, zone: ZoneInfo) -> set[int]:
    """The hours of the day (in the request's time zone) that some collector's shift covers."""
    hours: set[int] = set()
    for c in request.collectors:
        start = c.shift.start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        while start < c.shift.end and len(hours) < 24:
            hours.add(start.hour)
            start += timedelta(hours=1)
    return hours


def placed_customers(request, with_travel: bool) -> tuple:
    """The request (a day's or a week's) with only its customers who have a location, and
    those whose address was not found (see ``api.schemas.common.placed``)."""
    return placed(request, "customers", InvalidProblem if with_travel else None)


def customer_points(request: PlanRequest) -> dict[str, tuple[float, float]]:
    """WGS-84 (lat, lon) of every customer of a request (for maps)."""
    placed = [c for c in request.customers if c.location is not None]
    lat, lon = _wgs84([c.location for c in placed], request.travel.coordinate_system)
    return {c.id: (float(lat[k]), float(lon[k])) for k, c in enumerate(placed)}


def _wgs84(locations: list[Location], default: CoordinateSystem):
    lat = np.array([loc.lat for loc in locations], dtype=float)
    lon = np.array([loc.lon for loc in locations], dtype=float)
    systems = np.array([(loc.coordinate_system or default).value for loc in locations])
    for system in CoordinateSystem:
        mask = systems == system.value
        if mask.any() and system is not CoordinateSystem.WGS84:
            lat[mask], lon[mask] = to_wgs84(lat[mask], lon[mask], system)
    return lat, lon
