"""Re-planning the rest of a day (JSON): what happened since the plan was made, the day's
request as it now stands, and the conversion to the engine's re-plan (``routing.replan``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from api import defaults
from api.schemas.common import (
    MAX_MONEY,
    FieldError,
    Id,
    Location,
    Strict,
    Window,
    cents,
    seconds_between,
)
from api.schemas.follow_up import VisitIn
from api.schemas.plan import (
    CustomerIn,
    OptionsIn,
    PlanContext,
    PlanRequest,
    to_problem,
)
from api.schemas.plan_out import PlanResponse
from routing import InvalidProblem, Problem
from routing.changes import Change, ChangeKind, Planned
from routing.replan import Disruption, Events, Fixed, Position, Replanned


class DoneIn(Strict):
    """A visit made: it stays in the plan as it happened. With ``outcome``, how it ended is
    recorded in the tenant's case file too (the HTTP service), as ``POST /v1/outcomes`` would."""

    customer_id: Id
    collector_id: Id
    arrival: AwareDatetime | None = Field(None, description="default: the service start")
    service_start: AwareDatetime
    service_end: AwareDatetime
    outcome: VisitIn | None = Field(None, description=(
        "how the visit ended (its collector is the event's)"))

    @model_validator(mode="after")
    def _same_collector(self) -> DoneIn:
        if self.outcome is not None and self.outcome.collector != self.collector_id:
            raise FieldError("outcome.collector", f"{self.outcome.collector!r} is not the "
                                                  f"visit's collector {self.collector_id!r}")
        return self


class UnderWayIn(Strict):
    """The visit a collector is making now: it stays, and the collector goes on after it."""

    customer_id: Id
    collector_id: Id
    arrival: AwareDatetime | None = Field(None, description="default: the service start")
    service_start: AwareDatetime
    expected_end: AwareDatetime | None = Field(
        None, description="default: the service start plus the customer's service time")


class PositionIn(Strict):
    """Where a collector is (a phone's position), and when it was taken."""

    collector_id: Id
    location: Location
    at: AwareDatetime


class NewWindowsIn(Strict):
    """A customer's new time windows for today (they replace the old ones)."""

    customer_id: Id
    time_windows: list[Window] = Field(min_length=1)


class EventsIn(Strict):
    """What happened since the plan was made, as of ``at``."""

    at: AwareDatetime = Field(description="now: nothing new is planned before it")
    done: list[DoneIn] = []
    under_way: list[UnderWayIn] = []
    positions: list[PositionIn] = []
    stopped: list[Id] = Field([], description="collectors who stop for the day")
    breaks_taken: list[Id] = Field([], description="collectors who had their lunch break")
    added: list[CustomerIn] = Field([], description="customers new today (urgent, mandatory, "
                                                    "or worth a visit)")
    cancelled: list[Id] = Field([], description="customers no longer to be visited today")
    new_windows: list[NewWindowsIn] = []
    move_threshold: float = Field(
        defaults.MOVE_THRESHOLD, ge=0, le=MAX_MONEY, description=(
            "what a visit must gain (money) to move to another collector or be dropped; "
            "0 plans the rest of the day afresh"))
    retime_minutes: int = Field(defaults.RETIME_MINUTES, ge=0, le=24 * 60, description=(
        "a visit whose start moves by more than this is listed as re-timed"))
    options: OptionsIn | None = Field(None, description="default: the day's search settings")

    @model_validator(mode="after")
    def _once(self) -> EventsIn:
        seen: dict[str, str] = {}
        for name in ("done", "under_way"):
            for k, item in enumerate(getattr(self, name)):
                where = f"{name}[{k}].customer_id"
                if item.customer_id in seen:
                    raise ValueError(f"{where}: {item.customer_id!r} is already in "
                                     f"{seen[item.customer_id]}")
                seen[item.customer_id] = name
        return self


class ReplanRequest(Strict):
    """A re-plan as the service stores it: the day's request, the plan and the events."""

    request: PlanRequest
    plan: PlanResponse
    events: EventsIn


@dataclass(frozen=True, eq=False)
class Replan:
    """A checked re-plan in the engine's terms."""

    request: PlanRequest  # the day as it now stands (added, cancelled, new windows)
    problem: Problem
    context: PlanContext
    previous: tuple[Planned, ...]
    events: Events
    disruption: Disruption


def updated_request(day: PlanRequest, events: EventsIn) -> PlanRequest:
    """The day's request with the customers added, cancelled and re-windowed."""
    ids = {c.id for c in day.customers}
    for k, c in enumerate(events.added):
        if c.id in ids:
            raise InvalidProblem(f"events.added[{k}].id", f"{c.id!r} is already in the day")
    for k, cid in enumerate(events.cancelled):
        if cid not in ids:
            raise InvalidProblem(f"events.cancelled[{k}]", f"unknown customer {cid!r}")
    ids |= {c.id for c in events.added}
    windows = {}
    for k, change in enumerate(events.new_windows):
        if change.customer_id not in ids:
            raise InvalidProblem(f"events.new_windows[{k}].customer_id",
                                 f"unknown customer {change.customer_id!r}")
        windows[change.customer_id] = change.time_windows
    cancelled = set(events.cancelled)
    customers = [c.model_copy(update={"time_windows": windows[c.id]}) if c.id in windows else c
                 for c in [*day.customers, *events.added] if c.id not in cancelled]
    update = {"customers": customers}
    if events.options is not None:
        update["options"] = events.options
    return PlanRequest.model_validate({**day.model_dump(exclude_unset=True), **{
        k: [v.model_dump(exclude_unset=True) for v in vs] if isinstance(vs, list)
        else vs.model_dump(exclude_unset=True) for k, vs in update.items()}})


def to_replan(day: PlanRequest, plan: PlanResponse, events: EventsIn, *,
              with_travel: bool = True) -> Replan:
    """Check the events against the day and its plan, and build the engine's re-plan
    (``with_travel=False``: travel left at nothing, for checking only, as ``to_problem``)."""
    request = updated_request(day, events)
    for k, cid in enumerate(events.cancelled):
        if any(d.customer_id == cid for d in [*events.done, *events.under_way]):
            raise InvalidProblem(f"events.cancelled[{k}]", f"{cid!r} is reported visited")
    extra = [(f"events.positions[{k}].location", p.location)
             for k, p in enumerate(events.positions)]
    problem, context = to_problem(request, extra=extra, with_travel=with_travel)
    secs = lambda moment: seconds_between(context.origin, moment)  # noqa: E731
    service = {c.id: c.service_seconds for c in request.customers}
    new: list[Fixed] = [
        Fixed(d.customer_id, d.collector_id, secs(d.arrival or d.service_start),
              secs(d.service_start), secs(d.service_end)) for d in events.done]
    for u in events.under_way:
        end = u.expected_end or u.service_start + timedelta(
            seconds=service.get(u.customer_id, defaults.SERVICE_SECONDS))
        new.append(Fixed(u.customer_id, u.collector_id, secs(u.arrival or u.service_start),
                         secs(u.service_start), secs(end), under_way=True))
    reported = {f.customer for f in new}
    previous, earlier = [], []
    for route in plan.routes:
        for step in route.steps:
            if step.type != "visit":
                continue
            previous.append(Planned(step.customer_id, route.collector_id,
                                    secs(step.service_start)))
            if step.state != "planned" and step.customer_id not in reported:
                earlier.append(Fixed(step.customer_id, route.collector_id, secs(step.arrival),
                                     secs(step.service_start), secs(step.service_end),
                                     under_way=step.state == "under_way"))
    engine_events = Events(
        now=secs(events.at), fixed=(*new, *earlier),
        positions=tuple(Position(p.collector_id, loc, secs(p.at))
                        for p, loc in zip(events.positions, context.extra)),
        stopped=frozenset(events.stopped), breaks_taken=frozenset(events.breaks_taken))
    disruption = Disruption(cents(events.move_threshold), events.retime_minutes * 60)
    return Replan(request, problem, context, tuple(previous), engine_events, disruption)


class ChangeOut(BaseModel):
    """One change to a collector's day: whom to phone, about what."""

    collector_id: str
    change: ChangeKind
    customer_id: str
    other_collector_id: str | None = Field(None, description="moved_in: from whom; "
                                                              "moved_out: to whom")
    old_start: datetime | None = None
    new_start: datetime | None = None


class ReplanResponse(PlanResponse):
    """The whole day re-planned (done and under-way visits first, as they happened), the day's
    request as it now stands, and what changed for each collector."""

    changes: list[ChangeOut]

    @classmethod
    def from_replan(cls, replanned: Replanned, replan: Replan) -> ReplanResponse:
        """Present the engine's re-plan in the request's units and time zone."""
        plan = PlanResponse.from_plan(replanned.plan, replan.context, replan.request)
        at = replan.context.at
        return cls(**{name: getattr(plan, name) for name in PlanResponse.model_fields},
                   changes=[_change_out(c, at) for c in replanned.changes]
                   ).model_copy(update={"request": replan.request})


def _change_out(change: Change, at) -> ChangeOut:
    return ChangeOut(collector_id=change.collector, change=change.kind,
                     customer_id=change.customer, other_collector_id=change.other,
                     old_start=None if change.old_start is None else at(change.old_start),
                     new_start=None if change.new_start is None else at(change.new_start))


def event_field(error: InvalidProblem, events: EventsIn) -> InvalidProblem:
    """An engine error about an event, named as the events say it (``done[2].service_end``)."""
    field = error.field
    if not field.startswith("events."):
        return error
    field = field.removeprefix("events.")
    if field.startswith("fixed["):
        k, rest = field.removeprefix("fixed[").split("]", 1)
        k, done = int(k), len(events.done)
        rest = {".collector": ".collector_id", ".customer": ".customer_id"}.get(rest, rest)
        if k < done:
            field = f"done[{k}]{rest}"
        elif k < done + len(events.under_way):
            rest = ".expected_end" if rest == ".service_end" else rest
            field = f"under_way[{k - done}]{rest}"
        else:
            field = "plan (a visit it gives as done)"
    elif field.startswith("positions["):
        field = field.replace(".collector", ".collector_id").replace(".time", ".at")
    return InvalidProblem(field, error.reason)
