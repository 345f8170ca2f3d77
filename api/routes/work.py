"""``POST /v1/plans`` and ``POST /v1/allocations``: submit a day plan or an allocation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, HTTPException, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from api.db import case_file
from api.deps import ERRORS, CallerDep, DispatcherDep, EngineDep, SettingsDep
from api.jobs import kinds, store
from api.outcome_tables import batch_problems
from api.routes.bodies import ALLOCATION_CAPS, PLAN_CAPS, REPLAN_CAPS, post_off_the_loop
from api.routes.submit import RESPONSES, submit
from api.schemas.allocation import AllocationRequest
from api.schemas.examples import ALLOCATION_EXAMPLES, PLAN_EXAMPLES
from api.schemas.jobs import JobOut
from api.schemas.plan import PlanRequest
from api.schemas.plan_out import PlanResponse
from api.schemas.replan import EventsIn, ReplanRequest
from api.schemas.week import WeekRequest

router = APIRouter(prefix="/v1", tags=["work"], responses=ERRORS)

Wait = Annotated[float, Query(ge=0, le=3600, description=(
    "seconds to wait for the result before answering 202 (capped by FIELDPLAN_MAX_WAIT_SECONDS)"
    "; small plans are interactive"))]
IdempotencyKey = Annotated[str | None, Header(max_length=255, description=(
    "resubmitting with the same key returns the first job instead of starting new work"))]


@post_off_the_loop(router, "/plans", body="request", caps=PLAN_CAPS, status_code=202,
                   response_model=JobOut, responses=RESPONSES, summary="Plan a day's visits")
async def post_plan(request: Annotated[PlanRequest, Body(openapi_examples=PLAN_EXAMPLES)],
                    caller: CallerDep, settings: SettingsDep,
                    engine: EngineDep, dispatcher: DispatcherDep, wait: Wait = 0,
                    idempotency_key: IdempotencyKey = None) -> Response:
    """Accept a day-plan request (the format of `fieldplan plan`) as a job: `202` with the
    job and a `Location`, or `200` with the result when it finished within `?wait=`.
    A plan that serves only part of the customers is a success with `unassigned`."""
    request = await run_in_threadpool(_with_case_file, request, engine, caller.tenant)
    accepted = await run_in_threadpool(kinds.accept_plan, request, settings)
    return await submit(accepted, caller=caller, settings=settings, engine=engine,
                        dispatcher=dispatcher, wait=wait, idempotency_key=idempotency_key)


def _with_case_file(request: PlanRequest, engine, tenant: str) -> PlanRequest:
    """Enter the request's cases and collectors in the case file (outcomes may then be
    reported for them) and, with ``case_file``, fill in the histories it holds."""
    case_file.register(engine, tenant, (c.id for c in request.customers),
                       (c.id for c in request.collectors), now=store.now())
    if not request.case_file:
        return request
    found = case_file.histories(engine, tenant, (c.id for c in request.customers
                                                 if c.history is None))
    customers = []
    for c in request.customers:
        if c.id in found and c.history is None:
            updated, visits = found[c.id]
            c = c.model_copy(update={"history": visits,
                                     "address_updated": c.address_updated or updated})
        customers.append(c)
    return request.model_copy(update={"customers": customers})


@post_off_the_loop(router, "/plans/{job_id}/replan", body="events", caps=REPLAN_CAPS,
                   status_code=202, response_model=JobOut,
                   responses={**RESPONSES, 404: {"description": "no such plan for this tenant"},
                              409: {"description": "the plan has not succeeded (yet)"}},
                   summary="Re-plan the rest of a day")
async def post_replan(job_id: Annotated[str, Path(max_length=64)], events: EventsIn,
                      caller: CallerDep, settings: SettingsDep, engine: EngineDep,
                      dispatcher: DispatcherDep, wait: Wait = 0,
                      idempotency_key: IdempotencyKey = None) -> Response:
    """Re-plan the rest of the day of a finished plan job (or of an earlier re-plan): visits
    done or under way stay, each collector goes on from where they are, and a visit moves to
    another collector only where that gains more than `move_threshold`. The result is the
    whole day in the plan format, with `changes` per collector."""
    job = await run_in_threadpool(store.get, engine, caller.tenant, job_id)
    if job is None or job.kind not in ("plan", "replan"):
        raise HTTPException(404, f"no plan {job_id}")
    if job.status != store.SUCCEEDED:
        raise HTTPException(409, f"plan {job_id} is {job.status}: only a finished plan can be "
                                 "re-planned")
    previous = PlanResponse.model_validate_json(job.result)
    day = previous.request or (PlanRequest.model_validate_json(job.request) if job.kind == "plan"
                               else ReplanRequest.model_validate_json(job.request).request)
    accepted = await run_in_threadpool(kinds.accept_replan, day, previous, events, settings)
    outcomes = [(f"done[{k}].outcome", d.customer_id, d.outcome)
                for k, d in enumerate(events.done) if d.outcome is not None]
    if outcomes:
        await run_in_threadpool(_record, engine, caller, outcomes)
    return await submit(accepted, caller=caller, settings=settings, engine=engine,
                        dispatcher=dispatcher, wait=wait, idempotency_key=idempotency_key)


def _record(engine, caller, outcomes: list[tuple]) -> None:
    """Record the outcomes of visits reported done in the tenant's case file, as
    ``POST /v1/outcomes`` does (all or none; a visit sent again with the same content is left
    as it is)."""
    now = store.now()
    problems = batch_problems([(where, visit) for where, _, visit in outcomes], now)
    if problems:
        raise case_file.BadBatch([{**p, "field": p["field"].replace(":", ".")}
                                  for p in problems])
    recorded = case_file.record(engine, caller.tenant, outcomes, now=now)
    store.audit(engine, caller.tenant, caller.key_id, "outcomes", None,
                f"{recorded.added} added, {recorded.unchanged} unchanged (replan)")


@post_off_the_loop(router, "/weeks", body="request", caps=PLAN_CAPS, status_code=202,
                   response_model=JobOut, responses=RESPONSES,
                   summary="Plan several days at once")
async def post_week(request: WeekRequest, caller: CallerDep, settings: SettingsDep,
                    engine: EngineDep, dispatcher: DispatcherDep, wait: Wait = 0,
                    idempotency_key: IdempotencyKey = None) -> Response:
    """Accept a week-plan request (the format of `fieldplan plan-week`) as a job; the result
    holds a day plan per day, the week's summary and every customer planned on no day."""
    accepted = await run_in_threadpool(kinds.accept_week, request, settings)
    return await submit(accepted, caller=caller, settings=settings, engine=engine,
                        dispatcher=dispatcher, wait=wait, idempotency_key=idempotency_key)


@post_off_the_loop(router, "/allocations", body="request", caps=ALLOCATION_CAPS,
                   status_code=202, response_model=JobOut, responses=RESPONSES,
                   summary="Allocate cases to collectors")
async def post_allocation(request: Annotated[AllocationRequest,
                                             Body(openapi_examples=ALLOCATION_EXAMPLES)],
                          caller: CallerDep, settings: SettingsDep,
                          engine: EngineDep, dispatcher: DispatcherDep, wait: Wait = 0,
                          idempotency_key: IdempotencyKey = None) -> Response:
    """Accept an allocation request (the format of `fieldplan assign`) as a job: `202` with
    the job and a `Location`, or `200` with the result when it finished within `?wait=`."""
    accepted = await run_in_threadpool(kinds.accept_allocation, request, settings)
    return await submit(accepted, caller=caller, settings=settings, engine=engine,
                        dispatcher=dispatcher, wait=wait, idempotency_key=idempotency_key)
