"""A stored job as the API shows it (``api.schemas.jobs``)."""

from __future__ import annotations

import json

from api.db.tables import Job
from api.jobs.store import FINISHED, RUNNING, aware, now
from api.schemas.jobs import JobOut, ProgressOut


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
