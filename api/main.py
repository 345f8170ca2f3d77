"""The HTTP service: ``create_app()`` gathers the routers, the error mapping and the job
dispatcher. Run it with ``fieldplan serve``."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import errors
from api.config import Settings
from api.db import connect, migrate
from api.jobs.dispatcher import Dispatcher
from api.middleware import BodyLimit, Latency
from api.routes import cases, health, jobs, maps, work

log = logging.getLogger("fieldplan.api")

DESCRIPTION = """Day plans and case allocations for field collection teams, as jobs.

Submit work with `POST /v1/plans` or `POST /v1/allocations`, then follow
`GET /v1/jobs/{id}` (or pass `?wait=SECONDS` to get small results at once).
Authenticate with `Authorization: Bearer KEY` (keys: `fieldplan keys create --tenant NAME`).
Every error is a 4xx whose body names each field at fault and the reason."""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application, for ``settings`` (default: from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = connect(settings.database_url)
        migrate(engine)
        dispatcher = Dispatcher(engine, settings)
        dispatcher.start()
        app.state.engine, app.state.dispatcher = engine, dispatcher
        if not settings.auth:
            log.warning("API keys are OFF: every caller acts as tenant 'local'. "
                        "Only for a demo on 127.0.0.1.")
        try:
            yield
        finally:
            dispatcher.stop()
            engine.dispose()

    app = FastAPI(title="Fieldplan", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    for router in (work.router, jobs.router, cases.router, maps.router, health.router):
        app.include_router(router)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Latency)
    return app
