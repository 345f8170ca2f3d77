"""Submitting work, shared by the plan and allocation endpoints."""

from __future__ import annotations

import asyncio
import time

from fastapi import HTTPException, Response
from starlette.concurrency import run_in_threadpool

from api.config import Settings
from api.deps import Caller
from api.jobs import store
from api.jobs.dispatcher import Dispatcher
from api.jobs.kinds import Accepted
from api.jobs.views import job_json
from api.schemas.common import ErrorOut
from api.schemas.jobs import JobOut

RESPONSES = {
    200: {"model": JobOut, "description": "finished within ?wait= (the body carries the result)"},
    413: {"model": ErrorOut, "description": "the body is larger than FIELDPLAN_MAX_BODY_BYTES"},
    422: {"model": ErrorOut, "description": "a field of the request is not valid (`errors` "
                                            "names each one and says why), or the "
                                            "Idempotency-Key was used before with a different "
                                            "request"},
    429: {"model": ErrorOut, "description": "the queue is full; retry after `Retry-After` "
                                            "seconds"},
}


async def submit(accepted: Accepted, *, caller: Caller, settings: Settings, engine,
                 dispatcher: Dispatcher, wait: float, idempotency_key: str | None) -> Response:
    """Store the job (or find the one this idempotency key made), optionally wait for it."""
    job, new = await run_in_threadpool(_store, accepted, caller, settings, engine,
                                       idempotency_key)
    if new:
        dispatcher.poke()
    wait = min(wait, settings.max_wait_seconds)
    if wait > 0 and job.status not in store.FINISHED:
        await _wait(dispatcher, engine, job.id, wait)
    job = await run_in_threadpool(store.get, engine, caller.tenant, job.id)
    headers = {"Location": f"/v1/jobs/{job.id}"}
    if not new:
        headers["Idempotent-Replayed"] = "true"
    status = 200 if job.status in store.FINISHED else 202
    return Response(job_json(job), status_code=status, headers=headers,
                    media_type="application/json")


def _store(accepted: Accepted, caller: Caller, settings: Settings, engine,
           idempotency_key: str | None):
    if idempotency_key is not None:
        earlier = store.find_idempotent(engine, caller.tenant, idempotency_key, accepted)
        if earlier is not None:
            return earlier, False
    caps = store.QueueCaps(settings.max_queued, settings.max_queued_per_tenant)
    try:
        return store.submit(engine, tenant=caller.tenant, key_id=caller.key_id,
                            accepted=accepted, idempotency_key=idempotency_key, caps=caps)
    except store.QueueFull as exc:
        retry = max(1, int(settings.max_time_limit_seconds / 10))
        raise HTTPException(429, str(exc), headers={"Retry-After": str(retry)}) from None


async def _wait(dispatcher: Dispatcher, engine, job_id: str, seconds: float) -> None:
    """Poll cheaply: the database is read when this server finished a solve, and every second
    (another server may have run it)."""
    deadline = time.monotonic() + seconds
    seen = -1
    last_read = 0.0
    while time.monotonic() < deadline:
        if dispatcher.generation != seen or time.monotonic() - last_read >= 1.0:
            seen = dispatcher.generation
            last_read = time.monotonic()
            status = await run_in_threadpool(store.status_of, engine, job_id)
            if status in store.FINISHED:
                return
        await asyncio.sleep(0.05)
