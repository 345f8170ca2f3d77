"""Job states in the database. Every change of state is one conditional UPDATE, so that two
servers sharing a database never both run a job, and a solver process that outlived its server
cannot overwrite the job's newer state."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from api.db.tables import AuditEntry, Job
from api.jobs.kinds import Accepted

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued", "running", "succeeded", "failed", "cancelled")
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)


def now() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without their offset; they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def digest(text: str) -> str:
    """SHA-256 of a text, hex."""
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request."""


@dataclass(frozen=True)
class QueueCaps:
    """How many jobs may wait: in all, and of one tenant (so that one branch's backlog does
    not lock the others out)."""

    total: int
    per_tenant: int


class QueueFull(Exception):
    """A cap of :class:`QueueCaps` is reached; the message says which."""


# Submissions to PostgreSQL queue behind this transaction-scoped advisory lock, so that a count
# and the insert it allows are one step. (SQLite: the insert takes the database's write lock.)
_SUBMIT_LOCK = 0x6669656C64  # "field"


def submit(engine: Engine, *, tenant: str, key_id: str | None, accepted: Accepted,
           idempotency_key: str | None, caps: QueueCaps | None = None) -> tuple[Job, bool]:
    """Store a new queued job, or find the one submitted before with the same idempotency key.
    Returns the job and whether it is new. With ``caps``, the count of waiting jobs and the
    insert are one step (parallel submissions never overshoot a cap); raises ``QueueFull``."""
    request_hash = digest(accepted.kind + "\n" + accepted.body)
    with Session(engine, expire_on_commit=False) as session:
        if caps is not None and engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SUBMIT_LOCK})
        # A key used before is found by the unique constraint (callers usually look first,
        # with find_idempotent, before the queue check).
        job = Job(id=uuid.uuid4().hex, tenant=tenant, kind=accepted.kind, status=QUEUED,
                  created_at=now(), attempt=0, idempotency_key=idempotency_key,
                  request_hash=request_hash, request=accepted.body,
                  time_limit=accepted.time_limit, warnings=json.dumps(accepted.warnings))
        session.add(job)
        try:
            session.flush()
            if caps is not None:
                _check_caps(session, tenant, caps)
            _audit(session, tenant, key_id, "submit", job.id, accepted.kind)
            session.commit()
        except IntegrityError:
            # The key was used before, or concurrently by a request that won.
            session.rollback()
            earlier = _by_idempotency_key(session, tenant, idempotency_key, request_hash)
            if earlier is None:
                raise
            return earlier, False
        return job, True


def _check_caps(session: Session, tenant: str, caps: QueueCaps) -> None:
    """Refuse the job just inserted (counted with the others) if a cap is now exceeded."""
    waiting = select(func.count()).select_from(Job).where(Job.status == QUEUED)
    mine = session.scalar(waiting.where(Job.tenant == tenant)) or 0
    if mine > caps.per_tenant:
        raise QueueFull(f"{mine - 1} jobs of this tenant are waiting, the most one tenant may "
                        "queue; retry later")
    total = session.scalar(waiting) or 0
    if total > caps.total:
        raise QueueFull(f"{total - 1} jobs are waiting, the most this service queues; retry "
                        "later")


def find_idempotent(engine: Engine, tenant: str, key: str, accepted: Accepted) -> Job | None:
    """The job submitted before under this idempotency key (None if the key is new).

    Raises ``IdempotencyConflict`` when the key came with a different request."""
    with Session(engine) as session:
        return _by_idempotency_key(session, tenant, key,
                                   digest(accepted.kind + "\n" + accepted.body))


def _by_idempotency_key(session: Session, tenant: str, key: str, request_hash: str
                        ) -> Job | None:
    job = session.scalar(select(Job).where(Job.tenant == tenant, Job.idempotency_key == key))
    if job is not None and job.request_hash != request_hash:
        raise IdempotencyConflict(key)
    return job


def get(engine: Engine, tenant: str, job_id: str) -> Job | None:
    """A job of this tenant (another tenant's job does not exist, as far as the caller knows).
    An id that no job could have (the wrong length, other characters, a NUL byte that a
    database would refuse) is not looked up."""
    if not _JOB_ID.fullmatch(job_id):
        return None
    with Session(engine) as session:
        return session.scalar(select(Job).where(Job.id == job_id, Job.tenant == tenant))


_JOB_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex


def status_of(engine: Engine, job_id: str) -> str | None:
    """Only the status column (cheap polling)."""
    with engine.connect() as connection:
        return connection.scalar(select(Job.status).where(Job.id == job_id))


def page(engine: Engine, tenant: str, *, kind: str | None, status: str | None,
         created_after: datetime | None, created_before: datetime | None, limit: int,
         before_seq: int | None) -> list[Job]:
    """The tenant's jobs, newest first, without their requests and results."""
    query = select(Job).where(Job.tenant == tenant)
    if kind is not None:
        query = query.where(Job.kind == kind)
    if status is not None:
        query = query.where(Job.status == status)
    if created_after is not None:
        query = query.where(Job.created_at >= created_after)
    if created_before is not None:
        query = query.where(Job.created_at < created_before)
    if before_seq is not None:
        query = query.where(Job.seq < before_seq)
    # Listings never carry requests or results (personal data, and large): not even read.
    query = query.options(defer(Job.request), defer(Job.result)).order_by(
        Job.seq.desc()).limit(limit)
    with Session(engine) as session:
        jobs = list(session.scalars(query))
        for job in jobs:
            session.expunge(job)
            job.request, job.result = "", None
        return jobs


def cancel(engine: Engine, tenant: str, key_id: str | None, job_id: str) -> Job | None:
    """Cancel a queued or running job (a finished job is left as it is)."""
    with Session(engine, expire_on_commit=False) as session:
        result = session.execute(
            update(Job).where(Job.id == job_id, Job.tenant == tenant,
                              Job.status.in_((QUEUED, RUNNING)))
            .values(status=CANCELLED, finished_at=now(), error="cancelled by the client"))
        if result.rowcount:
            _audit(session, tenant, key_id, "cancel", job_id, None)
        session.commit()
        return session.scalar(select(Job).where(Job.id == job_id, Job.tenant == tenant))


def erase(engine: Engine, tenant: str, key_id: str | None, job_id: str) -> bool:
    """Erase a finished job of this tenant, with its request and result (debtors' ids,
    coordinates, addresses); the audit trail records who erased it. False if there is no such
    finished job."""
    with Session(engine) as session:
        result = session.execute(delete(Job).where(Job.id == job_id, Job.tenant == tenant,
                                                   Job.status.in_(FINISHED)))
        if result.rowcount:
            _audit(session, tenant, key_id, "erase", job_id, None)
        session.commit()
        return bool(result.rowcount)


def audit(engine: Engine, tenant: str, key_id: str | None, action: str,
          job_id: str | None = None, detail: str | None = None) -> None:
    """Record who did what (ids only)."""
    with Session(engine) as session:
        _audit(session, tenant, key_id, action, job_id, detail)
        session.commit()


def _audit(session: Session, tenant: str, key_id: str | None, action: str,
           job_id: str | None, detail: str | None) -> None:
    session.add(AuditEntry(at=now(), tenant=tenant, key_id=key_id, action=action,
                           job_id=job_id, detail=detail))


def counts(engine: Engine) -> dict[str, int]:
    """Jobs by status (all tenants)."""
    with engine.connect() as connection:
        rows = connection.execute(select(Job.status, func.count()).group_by(Job.status))
        found = dict(rows.all())
    return {s: found.get(s, 0) for s in STATUSES}


# --- used by the dispatcher and the solver processes ----------------------------------------

def claim(engine: Engine, owner: str) -> tuple[str, int, float] | None:
    """Take the oldest queued job for this server: ``(job id, attempt, time limit)``, or None."""
    with engine.begin() as connection:
        while True:
            row = connection.execute(select(Job.id, Job.attempt, Job.time_limit)
                                     .where(Job.status == QUEUED)
                                     .order_by(Job.seq).limit(1)).first()
            if row is None:
                return None
            moment = now()
            taken = connection.execute(
                update(Job).where(Job.id == row.id, Job.status == QUEUED)
                .values(status=RUNNING, attempt=row.attempt + 1, owner=owner,
                        started_at=moment, heartbeat_at=moment, progress=None))
            if taken.rowcount:
                return row.id, row.attempt + 1, row.time_limit


def heartbeat(engine: Engine, owner: str, job_ids: list[str]) -> None:
    """This server still runs these jobs."""
    if job_ids:
        with engine.begin() as connection:
            connection.execute(update(Job).where(Job.id.in_(job_ids), Job.owner == owner,
                                                 Job.status == RUNNING)
                               .values(heartbeat_at=now()))


def take_over_stale(engine: Engine, lease_seconds: float, max_attempts: int,
                    owner: str) -> list[str]:
    """Running jobs whose server has gone quiet (it crashed or was killed): queue them again,
    or fail them with the reason once they have been started ``max_attempts`` times. The jobs
    of ``owner`` (the server asking) are never stale to it: it knows they run, even when it was
    too busy starting a solve to send its heartbeat in time."""
    cutoff = now() - timedelta(seconds=lease_seconds)
    with engine.begin() as connection:
        stale = connection.execute(select(Job.id, Job.attempt).where(
            Job.status == RUNNING, Job.heartbeat_at < cutoff, Job.owner != owner)).all()
        touched = []
        for job_id, attempt in stale:
            if attempt < max_attempts:
                values = {"status": QUEUED, "owner": None, "progress": None}
            else:
                values = {"status": FAILED, "finished_at": now(), "error": (
                    f"interrupted {attempt} times by a server stop while solving; not retried")}
            done = connection.execute(update(Job).where(
                Job.id == job_id, Job.status == RUNNING, Job.attempt == attempt,
                Job.heartbeat_at < cutoff).values(**values))
            if done.rowcount:
                touched.append(job_id)
        return touched


def running_of(engine: Engine, owner: str, job_ids: list[str]) -> set[str]:
    """Which of these jobs are still running for this server (the others were cancelled)."""
    if not job_ids:
        return set()
    with engine.connect() as connection:
        return set(connection.scalars(select(Job.id).where(
            Job.id.in_(job_ids), Job.owner == owner, Job.status == RUNNING)))


def load(engine: Engine, job_id: str, attempt: int) -> tuple[str, str] | None:
    """``(kind, request)`` of a job this attempt still owns."""
    with engine.connect() as connection:
        row = connection.execute(select(Job.kind, Job.request).where(
            Job.id == job_id, Job.attempt == attempt, Job.status == RUNNING)).first()
    return None if row is None else (row.kind, row.request)


def report_progress(engine: Engine, job_id: str, attempt: int, progress: dict) -> bool:
    """Store progress; False when the job is no longer this attempt's to run."""
    with engine.begin() as connection:
        done = connection.execute(update(Job).where(
            Job.id == job_id, Job.attempt == attempt, Job.status == RUNNING)
            .values(progress=json.dumps(progress)))
        return bool(done.rowcount)


def finish(engine: Engine, job_id: str, attempt: int, *, status: str, result: str | None,
           error: str | None, solve_seconds: float | None, progress: dict | None = None) -> bool:
    """Record the end of an attempt (with its last progress, when given); a no-op when the job
    was cancelled or taken over."""
    values = {"status": status, "result": result, "error": error, "finished_at": now(),
              "solve_seconds": solve_seconds}
    if progress is not None:
        values["progress"] = json.dumps(progress)
    with engine.begin() as connection:
        done = connection.execute(update(Job).where(
            Job.id == job_id, Job.attempt == attempt, Job.status == RUNNING).values(**values))
        return bool(done.rowcount)


def purge(engine: Engine, retention_days: float) -> int:
    """Delete finished jobs older than the retention period (their requests and results hold
    debtors' personal data). The audit trail, which holds ids only, stays."""
    cutoff = now() - timedelta(days=retention_days)
    with engine.begin() as connection:
        done = connection.execute(delete(Job).where(Job.status.in_(FINISHED),
                                                    Job.finished_at < cutoff))
        return done.rowcount


def release(engine: Engine, job_id: str, attempt: int) -> None:
    """Put a job this server was running back in the queue (the server is shutting down); the
    attempt is not counted against it."""
    with engine.begin() as connection:
        connection.execute(update(Job).where(
            Job.id == job_id, Job.attempt == attempt, Job.status == RUNNING)
            .values(status=QUEUED, owner=None, attempt=attempt - 1, progress=None))
