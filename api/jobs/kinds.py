"""What differs between a day-plan job and an allocation job: how a request is checked and
capped on the way in, and how a worker turns it into a result."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import allocation
import routing
from api import locate, runs
from api.config import Settings
from api.runs import Progress
from api.schemas.allocation import AllocationRequest
from api.schemas.plan import PlanRequest
from api.schemas.plan_out import PlanResponse
from api.schemas.replan import EventsIn, ReplanRequest
from api.schemas.week import WeekRequest


class TooLarge(Exception):
    """A request above a configured size cap."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Accepted:
    """A checked request, ready to be stored and run."""

    kind: str
    body: str
    time_limit: float
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """What a worker hands back: the response JSON and its status."""

    body: str
    status: str


def accept_plan(request: PlanRequest, settings: Settings) -> Accepted:
    """Check a day-plan request against the caps and the engine's invariants.

    Raises ``TooLarge``, or ``routing.exceptions.InvalidProblem`` when the request is valid JSON
    but not a plannable day."""
    runs.refuse_empty("customers", request.customers)
    cap("customers", len(request.customers), settings.max_customers, "FIELDPLAN_MAX_CUSTOMERS")
    cap("collectors", len(request.collectors), settings.max_plan_collectors,
         "FIELDPLAN_MAX_PLAN_COLLECTORS")
    warnings = []
    limit = request.options.time_limit_seconds
    if limit > settings.max_time_limit_seconds:
        limit = settings.max_time_limit_seconds
        warnings.append(f"options.time_limit_seconds lowered to {limit:g}, this service's maximum")
        request = request.model_copy(update={
            "options": request.options.model_copy(update={"time_limit_seconds": limit})})
    locate.check_service(request.customers)
    runs.check_plan_terms(request)
    return Accepted("plan", request.model_dump_json(exclude_unset=True, exclude_defaults=False),
                    limit, warnings)


def accept_replan(day: PlanRequest, previous: PlanResponse, events: EventsIn,
                  settings: Settings) -> Accepted:
    """Check a re-plan of a finished plan against the caps and the plan itself.

    Raises ``TooLarge``, or ``routing.exceptions.InvalidProblem`` naming the event at fault."""
    cap("customers", len(day.customers) + len(events.added), settings.max_customers,
         "FIELDPLAN_MAX_CUSTOMERS")
    warnings = []
    options = events.options or day.options
    limit = options.time_limit_seconds
    if limit > settings.max_time_limit_seconds:
        limit = settings.max_time_limit_seconds
        warnings.append(f"options.time_limit_seconds lowered to {limit:g}, this service's maximum")
        events = events.model_copy(update={"options": options.model_copy(
            update={"time_limit_seconds": limit})})
    locate.check_service(events.added, "added")
    runs.check_replan(day, previous, events, with_travel=False)
    body = ReplanRequest(request=day, plan=previous, events=events)
    return Accepted("replan", body.model_dump_json(exclude_unset=True), limit, warnings)


def accept_week(request: WeekRequest, settings: Settings) -> Accepted:
    """Check a week-plan request against the caps and the engine's invariants.

    Raises ``TooLarge``, or ``routing.exceptions.InvalidProblem``."""
    runs.refuse_empty("customers", request.customers)
    cap("customers", len(request.customers), settings.max_customers, "FIELDPLAN_MAX_CUSTOMERS")
    cap("collectors", len(request.collectors), settings.max_plan_collectors,
         "FIELDPLAN_MAX_PLAN_COLLECTORS")
    warnings = []
    limit = request.options.time_limit_seconds
    if limit > settings.max_time_limit_seconds:
        limit = settings.max_time_limit_seconds
        warnings.append(f"options.time_limit_seconds lowered to {limit:g}, this service's maximum")
        request = request.model_copy(update={
            "options": request.options.model_copy(update={"time_limit_seconds": limit})})
    locate.check_service(request.customers)
    runs.check_week(request, with_travel=False)
    return Accepted("week", request.model_dump_json(exclude_unset=True), limit, warnings)


def accept_allocation(request: AllocationRequest, settings: Settings) -> Accepted:
    """Check an allocation request against the caps and the engine's invariants.

    Raises ``TooLarge``, or ``allocation.exceptions.InvalidAllocation``."""
    runs.refuse_empty("cases", request.cases)
    cap("cases", len(request.cases), settings.max_cases, "FIELDPLAN_MAX_CASES")
    cap("collectors", len(request.collectors), settings.max_allocation_collectors,
         "FIELDPLAN_MAX_ALLOCATION_COLLECTORS")
    warnings = []
    options = request.options
    limit = options.time_limit_seconds
    if limit > settings.max_time_limit_seconds:
        limit = settings.max_time_limit_seconds
        warnings.append(f"options.time_limit_seconds lowered to {limit:g}, this service's maximum")
    if options.workers > 1:
        warnings.append("options.workers lowered to 1: the service runs one solve per core")
    if warnings:
        request = request.model_copy(update={"options": options.model_copy(
            update={"time_limit_seconds": limit, "workers": 1})})
    locate.check_service(request.cases, "cases")
    runs.check_allocation(request, to_locate=True)
    return Accepted("allocation", request.model_dump_json(exclude_unset=True), limit, warnings)


def run(kind: str, body: str, progress: Progress) -> Outcome:
    """Solve a stored request (in a worker process). The engine loads before the clock starts."""
    (allocation if kind == "allocation" else routing).warm_up()
    # In each kind, addresses are located before the clock starts (a geocoder is slow).
    if kind == "plan":
        request = PlanRequest.model_validate_json(body)
        located = locate.for_service(request, progress)
        started = time.monotonic()
        response = runs.plan(runs.check_plan(located), started=started, progress=progress)
        if located is not request:  # the located request is what a re-plan starts from
            response = response.model_copy(update={"request": located})
    elif kind == "replan":
        stored = ReplanRequest.model_validate_json(body)
        events = locate.for_service(stored.events, progress, "added")
        started = time.monotonic()
        job = runs.check_replan(stored.request, stored.plan, events)
        response = runs.replan(job, started=started, progress=progress)
    elif kind == "week":
        located = locate.for_service(WeekRequest.model_validate_json(body), progress)
        started = time.monotonic()
        response = runs.plan_week(runs.check_week(located), started=started,
                                  progress=progress)
    elif kind == "allocation":
        request = AllocationRequest.model_validate_json(body)
        located = locate.for_service(request, progress)
        settings = Settings()
        if settings.dask_scheduler and len(located.cases) >= settings.dask_min_cases:
            if located is not request:
                body = located.model_dump_json(exclude_unset=True)
            return _allocate_on_cluster(settings.dask_scheduler, body, located, progress)
        started = time.monotonic()
        response = runs.allocate(runs.check_allocation(located), started=started,
                                 progress=progress)
    else:
        raise ValueError(f"unknown job kind {kind!r}")
    return Outcome(response.model_dump_json(), response.status)


def _allocate_on_cluster(address: str, body: str, request: AllocationRequest,
                         progress: Progress) -> Outcome:
    """A big allocation on the Dask cluster; on this server, with a warning saying why, if the
    cluster cannot run it (the job never fails for want of a cluster)."""
    import json
    import logging

    from api.night import service
    from api.night.cluster import ClusterError

    try:
        response = service.allocate(address, json.loads(body), progress)
    except ClusterError as exc:
        logging.getLogger("fieldplan.worker").warning("allocating here: %s", exc)
        started = time.monotonic()
        done = runs.allocate(runs.check_allocation(request), started=started,
                             progress=progress)
        done.warnings.append(f"allocated on this server: {exc}")
        return Outcome(done.model_dump_json(), done.status)
    return Outcome(json.dumps(response), response["status"])


def cap(field: str, count: int, limit: int, setting: str) -> None:
    """Raise ``TooLarge`` when ``count`` items of ``field`` are more than ``limit``."""
    if count > limit:
        raise TooLarge(field, f"{count} given; this service takes at most {limit} per request "
                              f"({setting})")
