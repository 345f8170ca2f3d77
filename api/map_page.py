"""The map of a day plan: one self-contained HTML page (Leaflet inlined), served by the API at
``/plans/{job id}/map`` and written by ``fieldplan plan -o map.html``. Routes draw even when the
map tiles cannot load."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit

from api import defaults
from api.schemas.plan import PlanRequest, customer_points
from api.schemas.plan_out import in_words

OSM_TILES, OSM_ATTRIBUTION = defaults.TILE_URL, defaults.TILE_ATTRIBUTION


@cache
def _asset(name: str) -> str:
    return (files("api") / "static" / name).read_text(encoding="utf-8")


def render(request: PlanRequest, plan: dict, *, tile_url: str = OSM_TILES,
           attribution: str = OSM_ATTRIBUTION, title: str | None = None) -> str:
    """The page for ``plan`` (a PlanResponse as JSON data) of ``request``."""
    points = customer_points(request)
    addresses = {c.id: c.address for c in request.customers if c.address}
    data = {
        "tile_url": tile_url, "attribution": attribution, "summary": plan["summary"],
        "routes": [{
            "collector_id": r["collector_id"], "visits": r["visits"], "value": r["value"],
            "travel_seconds": r["travel_seconds"],
            "steps": [{"type": s["type"], "customer_id": s.get("customer_id"),
                       "address": addresses.get(s.get("customer_id") or ""),
                       "lat": (s.get("location") or {}).get("lat"),
                       "lon": (s.get("location") or {}).get("lon"),
                       "arrival": s.get("arrival"), "service_start": s.get("service_start"),
                       "service_end": s.get("service_end")} for s in r["steps"]]}
            for r in plan["routes"]],
        "unassigned": [{**u, "reason_text": in_words(u["reason"]),
                        "address": addresses.get(u["customer_id"]),
                        "lat": points.get(u["customer_id"], (None, None))[0],
                        "lon": points.get(u["customer_id"], (None, None))[1]}
                       for u in plan["unassigned"]],
    }
    title = title or f"Visit plan {request.date.isoformat()}"
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    values = {"LEAFLET_CSS": _asset("leaflet/leaflet.css"), "TITLE": _html(title),
              "DATA": payload, "MAP_JS": _asset("map.js"),
              "LEAFLET_JS": _asset("leaflet/leaflet.js"),
              "CSP": _html(content_security_policy(tile_url))}
    # One pass over the template: nothing inserted is searched for placeholders again.
    return re.sub(r"__(LEAFLET_CSS|TITLE|DATA|MAP_JS|LEAFLET_JS|CSP)__",
                  lambda m: values[m.group(1)], _asset("map.html"))


def content_security_policy(tile_url: str, *, served: bool = False) -> str:
    """What the page may load: its own two scripts (by their SHA-256), inline styles, and
    images from the tile server only; nothing else (no other script, no requests, no forms).
    ``served``: as an HTTP header, which may also forbid framing the page."""
    scripts = " ".join(f"'sha256-{_digest(_asset(name))}'"
                       for name in ("leaflet/leaflet.js", "map.js"))
    policy = (f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; "
              f"img-src data: {_origin(tile_url)}".rstrip() + "; base-uri 'none'; "
              "form-action 'none'")
    return policy + ("; frame-ancestors 'none'" if served else "")


@cache
def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _origin(tile_url: str) -> str:
    """The tile server's origin for the policy (``{s}`` sub-domains as a wildcard)."""
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc or "{" in parts.netloc:
        return f"{parts.scheme}:" if parts.scheme in ("http", "https") else ""
    return f"{parts.scheme}://{parts.netloc}"


def _html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
