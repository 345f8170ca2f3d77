"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import text

from api import metrics
from api.deps import DispatcherDep, EngineDep
from api.jobs import store

router = APIRouter(tags=["operations"])


class ReadyOut(BaseModel):
    """Readiness and what it depends on."""

    status: str
    database: str
    workers: str


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    """Always ``ok`` while the process answers."""
    return {"status": "ok"}


@router.get("/readyz", summary="The service can take work",
            responses={503: {"model": ReadyOut,
                             "description": "the database or the dispatcher is down"}})
def readyz(engine: EngineDep, dispatcher: DispatcherDep, response: Response) -> ReadyOut:
    """The database answers and the dispatcher runs."""
    checks = {}
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means not ready
        checks["database"] = f"unreachable ({type(exc).__name__})"
    checks["workers"] = "ok" if dispatcher.alive else "stopped"
    ready = all(v == "ok" for v in checks.values())
    response.status_code = 200 if ready else 503
    return ReadyOut(status="ok" if ready else "not ready", **checks)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def get_metrics(engine: EngineDep, dispatcher: DispatcherDep) -> Response:
    """Jobs by status, queue depth, solve seconds, request latency."""
    return Response(metrics.exposition(lambda: store.counts(engine), dispatcher.running),
                    media_type="text/plain; version=0.0.4")
