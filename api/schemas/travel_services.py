"""The ``osrm`` and ``valhalla`` travel providers: a day's matrix from a routing service the
deployment runs (``FIELDPLAN_OSRM_URL``, ``FIELDPLAN_VALHALLA_URL``), by its documented
many-to-many protocol: OSRM's ``table`` service, Valhalla's ``sources_to_targets``. Big days are
asked in blocks the service accepts; each call has a timeout and is retried (httpx-retries)
when the service is down for a moment, busy (429, 5xx) or slow; a service that stays down,
answers something else, or finds no route between two locations is a ``TravelServiceError``
naming the service and the reason. The caller decides whether to fall back (only when the
request asks for it)."""

from __future__ import annotations

import os

import numpy as np

from common.errors import InvalidInput

URLS = {"osrm": "FIELDPLAN_OSRM_URL", "valhalla": "FIELDPLAN_VALHALLA_URL"}
# Locations per call (sources and targets together): the services' defaults
# (osrm-routed --max-table-size 100; Valhalla's max_matrix_location_pairs allows 50 x 50).
BLOCK = {"osrm": int(os.environ.get("FIELDPLAN_OSRM_MAX_LOCATIONS", 100)),
         "valhalla": int(os.environ.get("FIELDPLAN_VALHALLA_MAX_LOCATIONS", 100))}
TIMEOUT_SECONDS = float(os.environ.get("FIELDPLAN_TRAVEL_TIMEOUT_SECONDS", 30))
RETRIES = 2
# The profile of each service for ours.
OSRM_PROFILE = {"drive": "driving", "two_wheeler": "cycling", "walk": "foot"}
VALHALLA_COSTING = {"drive": "auto", "two_wheeler": "motor_scooter", "walk": "pedestrian"}


class TravelServiceError(InvalidInput):
    """A routing service could not time the day."""


def service_url(provider: str) -> str:
    url = os.environ.get(URLS[provider], "").rstrip("/")
    if not url:
        raise TravelServiceError("travel.provider", f"{provider} needs the address of a "
                                 f"running {provider} service in {URLS[provider]}")
    return url


def service_matrix(provider: str, profile: str, lat: np.ndarray, lon: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and metres between every pair of locations, from the provider's service."""
    import httpx
    from httpx_retries import Retry, RetryTransport

    url = service_url(provider)
    n = len(lat)
    half = max(1, BLOCK[provider] // 2)
    seconds, metres = np.zeros((n, n)), np.zeros((n, n))
    retry = Retry(total=RETRIES, backoff_factor=0.5, allowed_methods=["GET", "POST"],
                  status_forcelist=[429, 500, 502, 503, 504])
    ask = _osrm if provider == "osrm" else _valhalla
    try:
        with httpx.Client(transport=RetryTransport(retry=retry),
                          timeout=TIMEOUT_SECONDS) as client:
            for a in range(0, n, half):
                for b in range(0, n, half):
                    rows, cols = np.arange(a, min(n, a + half)), np.arange(b, min(n, b + half))
                    s, m = ask(client, url, profile, lat, lon, rows, cols)
                    seconds[np.ix_(rows, cols)], metres[np.ix_(rows, cols)] = s, m
    except httpx.TimeoutException:
        raise TravelServiceError("travel.provider", f"the {provider} service at {url} did not "
                                 f"answer within {TIMEOUT_SECONDS:g} s ({RETRIES + 1} tries)"
                                 ) from None
    except httpx.HTTPError as exc:
        raise TravelServiceError("travel.provider", f"the {provider} service at {url} cannot "
                                 f"be reached or failed ({type(exc).__name__}: {exc})") from None
    np.fill_diagonal(seconds, 0)
    np.fill_diagonal(metres, 0)
    return seconds, metres


def _answer(response, provider: str, url: str) -> dict:
    if response.status_code >= 400:
        raise TravelServiceError("travel.provider", f"the {provider} service at {url} refused "
                                 f"the matrix: HTTP {response.status_code} "
                                 f"{response.text[:200]!r}")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise TravelServiceError("travel.provider", f"the {provider} service at {url} answered "
                                 f"something that is not JSON: {response.text[:100]!r}")
    return data


def _osrm(client, url, profile, lat, lon, rows, cols):
    """One block from OSRM's table service: GET /table/v1/{profile}/{lon,lat;...}."""
    points = np.concatenate((rows, cols))
    coordinates = ";".join(f"{lon[i]:.6f},{lat[i]:.6f}" for i in points)
    # The query as OSRM's documentation writes it: ";" between indices, not percent-encoded.
    sources = ";".join(map(str, range(len(rows))))
    destinations = ";".join(map(str, range(len(rows), len(points))))
    response = client.get(f"{url}/table/v1/{OSRM_PROFILE[profile]}/{coordinates}?sources="
                          f"{sources}&destinations={destinations}"
                          "&annotations=duration,distance")
    data = _answer(response, "osrm", url)
    if data.get("code") != "Ok":
        raise TravelServiceError("travel.provider", f"the osrm service at {url} answered "
                                 f"{data.get('code')!r}: {data.get('message', '')}")
    return _block("osrm", url, data.get("durations"), data.get("distances"), rows, cols, 1.0)


def _valhalla(client, url, profile, lat, lon, rows, cols):
    """One block from Valhalla's matrix service: POST /sources_to_targets."""
    body = {"sources": [{"lat": float(lat[i]), "lon": float(lon[i])} for i in rows],
            "targets": [{"lat": float(lat[i]), "lon": float(lon[i])} for i in cols],
            "costing": VALHALLA_COSTING[profile], "units": "kilometers"}
    data = _answer(client.post(f"{url}/sources_to_targets", json=body), "valhalla", url)
    table = data.get("sources_to_targets")
    if isinstance(table, dict):  # "verbose": false
        return _block("valhalla", url, table.get("durations"), table.get("distances"), rows,
                      cols, 1000.0)
    try:
        times = [[cell["time"] for cell in row] for row in table]
        km = [[cell["distance"] for cell in row] for row in table]
    except (TypeError, KeyError):
        raise TravelServiceError("travel.provider", f"the valhalla service at {url} answered "
                                 "without a sources_to_targets matrix") from None
    return _block("valhalla", url, times, km, rows, cols, 1000.0)


def _block(provider, url, durations, distances, rows, cols, to_metres):
    """A block's seconds and metres, checked: its shape, numbers, and a route for every
    pair."""
    try:
        s = np.array(durations, dtype=float)
        m = np.array(distances, dtype=float) * to_metres
    except (TypeError, ValueError):
        s = m = None
    if s is None or s.shape != (len(rows), len(cols)) or m.shape != s.shape:
        raise TravelServiceError("travel.provider", f"the {provider} service at {url} answered "
                                 f"a matrix that is not {len(rows)} x {len(cols)} numbers")
    bad = ~np.isfinite(s) | ~np.isfinite(m) | (s < 0) | (m < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise TravelServiceError("travel.provider", f"the {provider} service at {url} found no "
                                 f"route from location {rows[i]} to location {cols[j]}")
    return s, m
