"""The map of a day plan: one self-contained HTML page (Leaflet inlined), served by the API at
``/plans/{job id}/map`` and written by ``fieldplan plan -o map.html``. Routes draw even when the
map tiles cannot load."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files

from api.schemas.plan import PlanRequest, customer_points

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"


@cache
def _asset(name: str) -> str:
    return (files("api") / "static" / name).read_text(encoding="utf-8")


def render(request: PlanRequest, plan: dict, *, tile_url: str = OSM_TILES,
           attribution: str = OSM_ATTRIBUTION, title: str | None = None) -> str:
    """The page for ``plan`` (a PlanResponse as JSON data) of ``request``."""
    points = customer_points(request)
    data = {
        "tile_url": tile_url, "attribution": attribution, "summary": plan["summary"],
        "routes": [{
            "collector_id": r["collector_id"], "visits": r["visits"], "value": r["value"],
            "travel_seconds": r["travel_seconds"],
            "steps": [{"type": s["type"], "customer_id": s.get("customer_id"),
                       "lat": (s.get("location") or {}).get("lat"),
                       "lon": (s.get("location") or {}).get("lon"),
                       "arrival": s.get("arrival"), "service_start": s.get("service_start"),
                       "service_end": s.get("service_end")} for s in r["steps"]]}
            for r in plan["routes"]],
        "unassigned": [{**u, "lat": points.get(u["customer_id"], (None, None))[0],
                        "lon": points.get(u["customer_id"], (None, None))[1]}
                       for u in plan["unassigned"]],
    }
    title = title or f"Visit plan {request.date.isoformat()}"
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    values = {"LEAFLET_CSS": _asset("leaflet/leaflet.css"), "TITLE": _html(title),
              "DATA": payload, "MAP_JS": _asset("map.js"),
              "LEAFLET_JS": _asset("leaflet/leaflet.js")}
    # One pass over the template: nothing inserted is searched for placeholders again.
    return re.sub(r"__(LEAFLET_CSS|TITLE|DATA|MAP_JS|LEAFLET_JS)__",
                  lambda m: values[m.group(1)], _asset("map.html"))


def _html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
