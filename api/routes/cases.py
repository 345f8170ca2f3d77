"""``/v1/outcomes`` and ``/v1/cases``: the tenant's case file."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from api.db import case_file
from api.deps import ERRORS, CallerDep, EngineDep
from api.jobs import store
from api.outcome_tables import batch_problems
from api.schemas.cases import CaseOut, OutcomesIn, OutcomesOut, StateOut
from api.schemas.common import MONEY_SCALE, ErrorOut, TimeZoneName
from api.schemas.follow_up import FollowUpIn, decision

router = APIRouter(prefix="/v1", tags=["case file"], responses=ERRORS)


@router.post("/outcomes", response_model=OutcomesOut, summary="Report visit outcomes",
             responses={409: {"model": ErrorOut, "description": (
                 "a visit id is already recorded with other content (nothing was recorded)")}})
async def post_outcomes(body: OutcomesIn, caller: CallerDep, engine: EngineDep) -> OutcomesOut:
    """Record a batch of visit outcomes in the case file, in one transaction. A visit already
    recorded with the same content is left as it is (so a batch may be sent again); one with
    other content is a `409`. Outcomes must name cases and collectors this tenant's plans
    named, and must not lie in the future: otherwise `422`, and nothing is recorded."""
    now = store.now()
    rows = [(f"outcomes[{k}]", o) for k, o in enumerate(body.outcomes)]
    problems = batch_problems(rows, now)
    if problems:
        raise case_file.BadBatch([{**p, "field": p["field"].replace(":", ".")}
                                  for p in problems])
    recorded = await run_in_threadpool(
        case_file.record, engine, caller.tenant, [(where, o.customer, o) for where, o in rows],
        now=now)
    await run_in_threadpool(store.audit, engine, caller.tenant, caller.key_id, "outcomes",
                            None, f"{recorded.added} added, {recorded.unchanged} unchanged")
    return OutcomesOut(added=recorded.added, unchanged=recorded.unchanged)


@router.get("/cases/{case_id}", response_model=CaseOut, summary="A case: history and state",
            responses={404: {"model": ErrorOut, "description": "no such case for this tenant"}})
async def get_case(case_id: str, caller: CallerDep, engine: EngineDep,
                   day: Annotated[dt.date | None, Query(alias="date", description=(
                       "the day to judge the case for (default: today in `timezone`)"))] = None,
                   timezone: Annotated[TimeZoneName, Query()] = "Asia/Shanghai") -> CaseOut:
    """The case's visits, oldest first, and what the follow-up policy (default rules) makes of
    it on the day: due or held (and why, and until when), mandatory and for whom."""
    zone = ZoneInfo(timezone)
    found = await run_in_threadpool(case_file.histories, engine, caller.tenant, [case_id])
    if case_id not in found:
        raise HTTPException(404, f"no case {case_id!r} in this tenant's case file")
    address_updated, visits = found[case_id]
    when = day if day is not None else store.now().astimezone(zone).date()
    decided = decision(case_id, visits, address_updated, when, zone, FollowUpIn().policy())
    return CaseOut(id=case_id, address_updated=address_updated, visits=visits, state=StateOut(
        date=when, due=decided.hold is None, hold=decided.hold, until=decided.until,
        mandatory=decided.mandatory, why=decided.why,
        preferred_collector=decided.preferred_collector,
        required_skills=sorted(decided.required_skills),
        probability_factor=decided.probability_factor, paid=decided.paid / MONEY_SCALE,
        broken_promises=decided.broken_promises))
