"""The night's two kinds of task. They run wherever the night runs them (this process, or a
Dask worker on another machine): plain data in, plain data out, nothing written. The process
that runs the night writes what they return, once each, so that a task re-run after a lost
worker never writes a region twice."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from api import map_page, runs
from api.day_tables import DayTerms, day_request
from api.outputs import write_route_sheets, write_stops_csv
from api.schemas.allocation import AllocationRequest
from api.schemas.plan_out import missed

# A region's files, in the order they are written (the plan last: a region whose plan is
# there is whole).
SUFFIXES = (".request.json", ".xlsx", ".csv", ".html", ".json")


@dataclass(frozen=True)
class RegionWork:
    """What a region's day plan needs: its collectors, the cases they own, the owner of each,
    the day's terms, the cases' histories from the case file, and the map's tiles."""

    name: str
    members: list[dict]
    cases: list[dict]
    owner: dict[str, str]
    terms: DayTerms
    histories: dict[str, tuple] | None
    tile_url: str


def allocate(body: dict) -> dict:
    """Allocate one group's cases (a request body); the response as JSON data."""
    job = runs.check_allocation(AllocationRequest.model_validate(body))
    return runs.allocate(job).model_dump(mode="json")


def plan_region(work: RegionWork) -> dict:
    """Plan one region's day. Returns ``files`` (suffix: content, in ``SUFFIXES`` order) and
    ``result`` (the region's line of the state file)."""
    request = day_request(work.members, work.cases, work.owner, work.terms, work.histories)
    plan = runs.plan(runs.check_plan(request))
    data = plan.model_dump(mode="json")
    with tempfile.TemporaryDirectory(prefix="fieldplan-region-") as folder:
        sheets, stops = Path(folder) / "sheets.xlsx", Path(folder) / "stops.csv"
        write_route_sheets(request, data, sheets)
        write_stops_csv(request, data, stops)
        files = {
            ".request.json": request.model_dump_json(exclude_unset=True).encode(),
            ".xlsx": sheets.read_bytes(),
            ".csv": stops.read_bytes(),
            ".html": map_page.render(request, data, tile_url=work.tile_url,
                                     title=f"Visit plan {work.name} {work.terms.day}"
                                     ).encode(),
            ".json": plan.model_dump_json(indent=2).encode(),
        }
    result = {"collectors": len(work.members), "customers": len(work.cases),
              "visits": plan.summary.visits, "value": plan.summary.value,
              "mandatory_missed": sum(u.mandatory for u in plan.unassigned),
              "missed": [list(pair) for pair in missed(plan.unassigned)],
              "time_limit_hit": plan.time_limit_hit}
    return {"files": files, "result": result}
