"""``/v1/jobs``: the caller's jobs, one job, cancelling."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response

from api.deps import ERRORS, CallerDep, DispatcherDep, EngineDep
from api.jobs import store
from api.jobs.views import job_json, job_out
from api.schemas.common import ErrorOut, Instant
from api.schemas.jobs import JobKind, JobOut, JobPage, JobStatus

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=ERRORS)

_NOT_FOUND = {404: {"model": ErrorOut, "description": "no such job for this tenant"}}


@router.get("", response_model=JobPage, summary="List your jobs")
def list_jobs(caller: CallerDep, engine: EngineDep,
              kind: JobKind | None = None, status: JobStatus | None = None,
              created_after: Instant | None = None,
              created_before: Instant | None = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50,
              cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,18}$", description=(
                  "next_cursor of the previous page"))] = None) -> JobPage:
    """Your jobs, newest first, without their requests and results."""
    jobs = store.page(engine, caller.tenant, kind=kind, status=status,
                      created_after=created_after, created_before=created_before,
                      limit=limit + 1, before_seq=None if cursor is None else int(cursor))
    more = len(jobs) > limit
    jobs = jobs[:limit]
    return JobPage(jobs=[job_out(j) for j in jobs],
                   next_cursor=str(jobs[-1].seq) if more else None)


@router.get("/{job_id}", response_model=JobOut, responses=_NOT_FOUND, summary="A job")
def get_job(job_id: str, caller: CallerDep, engine: EngineDep) -> Response:
    """Status and progress; when it has succeeded, the result."""
    job = _own(engine, caller.tenant, job_id)
    if job.result is not None:
        store.audit(engine, caller.tenant, caller.key_id, "read_result", job.id)
    return Response(job_json(job), media_type="application/json")


@router.delete("/{job_id}", response_model=JobOut, responses={
    **_NOT_FOUND,
    204: {"description": "with ?purge=true: the job, its request and its result are erased"},
    409: {"model": ErrorOut, "description": "the job has already finished or was cancelled; "
                                            "with ?purge=true: the job has not finished yet"}},
    summary="Cancel a job, or erase a finished one")
def cancel_job(job_id: str, caller: CallerDep, engine: EngineDep, dispatcher: DispatcherDep,
               purge: Annotated[bool, Query(description=(
                   "erase the finished job with its request and result (personal data of "
                   "debtors) instead of cancelling it"))] = False) -> Response:
    """Cancel a queued or running job; a running solve is stopped at once. A job that has
    finished (succeeded, failed or cancelled before) answers 409.

    With `?purge=true`, erase a finished job: its request and result (debtors' ids,
    coordinates, addresses) are deleted at once, not at the end of the retention period, and
    the audit trail records who erased it (ids only). A job still queued or running answers
    409: cancel it first."""
    before = _own(engine, caller.tenant, job_id)
    if purge:
        if before.status not in store.FINISHED:
            raise HTTPException(409, f"job {job_id} is {before.status}; cancel it first, then "
                                     "erase it")
        if not store.erase(engine, caller.tenant, caller.key_id, job_id):
            raise HTTPException(404, f"no job {job_id}")
        return Response(status_code=204)
    if before.status in store.FINISHED:
        raise HTTPException(409, f"job {job_id} is already {before.status}")
    job = store.cancel(engine, caller.tenant, caller.key_id, job_id)
    if job.status != store.CANCELLED:
        raise HTTPException(409, f"job {job_id} is already {job.status}")
    dispatcher.poke()
    return Response(job_json(job), media_type="application/json")


def _own(engine, tenant: str, job_id: str):
    job = store.get(engine, tenant, job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id}")
    return job
