"""How a job is shown: its state, its progress and, when done, the result."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.db.tables import Job
from api.jobs.store import FINISHED, RUNNING, aware, now

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
JobKind = Literal["plan", "allocation"]


class ProgressOut(BaseModel):
    """How far a solve has got."""

    elapsed_seconds: float = Field(description="since the solve started")
    time_limit_seconds: float
    solutions: int | None = Field(None, description="plans found by the search so far")
    best_objective: float | None = Field(None, description=(
        "day plans: the best plan's value minus travel cost so far, as the search weighs it "
        "(relationship bonus and balance cost included); null while a mandatory customer is "
        "still left out. Allocations (exact method): the best allocation's objective so far"))
    bound: float | None = Field(None, description=(
        "allocations (exact method): the proven upper bound on the objective so far"))


class JobOut(BaseModel):
    """A job. ``result`` is the day plan or the allocation, once ``status`` is ``succeeded``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5f0c2b8e9d7a4c1fb3e2a6d4c8b0e1f2", "kind": "plan", "status": "running",
        "created_at": "2026-11-30T21:00:01Z", "started_at": "2026-11-30T21:00:01Z",
        "finished_at": None, "attempt": 1,
        "progress": {"elapsed_seconds": 4.2, "time_limit_seconds": 30.0, "solutions": 57,
                     "best_objective": 267187.15},
        "warnings": [], "error": None, "result": None}]})

    id: str
    kind: JobKind
    status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempt: int = Field(description="times a solver process was started for it")
    progress: ProgressOut | None
    warnings: list[str]
    error: str | None = Field(description="why it failed or was cancelled")
    result: dict[str, Any] | None = Field(None, description=(
        "PlanResponse or AllocationResponse (see the POST endpoints); omitted from listings"))


class JobPage(BaseModel):
    """One page of jobs, newest first. Pass ``next_cursor`` as ``cursor`` for the next page."""

    jobs: list[JobOut]
    next_cursor: str | None


def job_out(job: Job) -> JobOut:
    """A job without its result."""
    progress = None
    started = aware(job.started_at)
    if started is not None and job.status in (RUNNING, *FINISHED):
        if job.status == RUNNING:
            elapsed = (now() - started).total_seconds()
        elif job.solve_seconds is not None:
            elapsed = job.solve_seconds
        else:
            elapsed = ((aware(job.finished_at) or now()) - started).total_seconds()
        extra = json.loads(job.progress) if job.progress else {}
        progress = ProgressOut(elapsed_seconds=round(elapsed, 3),
                               time_limit_seconds=job.time_limit, **extra)
    return JobOut(id=job.id, kind=job.kind, status=job.status, created_at=aware(job.created_at),
                  started_at=started, finished_at=aware(job.finished_at), attempt=job.attempt,
                  progress=progress, warnings=json.loads(job.warnings), error=job.error)


def job_json(job: Job) -> bytes:
    """A job with its stored result spliced in as it is (results can be large: they are not
    parsed again)."""
    head = job_out(job).model_dump_json(exclude={"result"})
    if job.result is None:
        return (head[:-1] + ',"result":null}').encode()
    return (head[:-1] + ',"result":' + job.result + "}").encode()
