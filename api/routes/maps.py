"""``/plans/{job_id}/map``: the map page of a finished day plan."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api import map_page
from api.deps import ERRORS, CallerDep, EngineDep, SettingsDep
from api.jobs import store
from api.schemas.common import ErrorOut
from api.schemas.plan import PlanRequest

router = APIRouter(tags=["jobs"], responses=ERRORS)


@router.get("/plans/{job_id}/map", summary="Map of a day plan", response_model=None,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                             "description": "the page"},
                       404: {"model": ErrorOut, "description": "no such day plan for this tenant"},
                       409: {"model": ErrorOut, "description": "the plan is not ready"}})
async def plan_map(job_id: str, caller: CallerDep, engine: EngineDep,
                   settings: SettingsDep) -> HTMLResponse:
    """Every collector's route in its own colour with numbered stops and times, unplanned
    customers as grey markers with their reason, a table per collector and a filter. One
    self-contained page: it needs no CDN, and draws the routes even without map tiles."""
    job = await run_in_threadpool(store.get, engine, caller.tenant, job_id)
    if job is None or job.kind != "plan":
        raise HTTPException(404, f"no day plan {job_id}")
    if job.status != store.SUCCEEDED:
        raise HTTPException(409, f"day plan {job_id} is {job.status}, not succeeded")
    page = await run_in_threadpool(_render, job.request, job.result, settings.tile_url)
    return HTMLResponse(page, headers={
        "Content-Security-Policy": map_page.content_security_policy(settings.tile_url,
                                                                    served=True),
        "Referrer-Policy": "strict-origin", "X-Content-Type-Options": "nosniff"})


def _render(request: str, result: str, tile_url: str) -> str:
    return map_page.render(PlanRequest.model_validate_json(request), json.loads(result),
                           tile_url=tile_url)
