"""The osrm and valhalla travel providers against a local HTTP server that speaks their
documented protocols (OSRM's table service: GET /table/v1/{profile}/{lon,lat;...} with
sources, destinations and annotations; Valhalla's POST /sources_to_targets), and against
services that are down, slow, flaky or answer garbage: a clear error naming the service, or,
when the request asks for it, a fallback to straight lines that the plan states."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from geopy.distance import geodesic

from api import runs
from api.schemas import travel_services
from api.schemas.plan import PlanRequest
from api.schemas.travel_services import TravelServiceError
from verify.day_plan import Checker

SPEED = 8.0  # m/s on the fake service's roads, which are 1.4 times the straight line


def _leg(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    metres = geodesic(a, b).meters * 1.4
    return metres / SPEED, metres


class Fake(BaseHTTPRequestHandler):
    mode = "ok"
    calls: list[dict] = []

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trouble(self) -> bool:
        Fake.calls.append({"path": self.path})
        if Fake.mode == "slow":
            time.sleep(2)
        if Fake.mode == "garbage":
            self._send(200, b"<html>gateway</html>", "text/html")
            return True
        if Fake.mode == "flaky" and len(Fake.calls) == 1:
            self._send(503, b"busy")
            return True
        return False

    def do_GET(self) -> None:  # OSRM
        if self._trouble():
            return
        url = urlsplit(self.path)  # not urlparse: ";" is no parameter separator here
        _, table, version, profile, coordinates = url.path.split("/", 4)
        assert (table, version) == ("table", "v1") and profile == "driving"
        points = [tuple(map(float, c.split(",")))[::-1] for c in coordinates.split(";")]
        query = parse_qs(url.query)
        assert query["annotations"] == ["duration,distance"]
        sources = [int(i) for i in query["sources"][0].split(";")]
        targets = [int(i) for i in query["destinations"][0].split(";")]
        Fake.calls[-1]["locations"] = len(points)
        legs = [[_leg(points[i], points[j]) for j in targets] for i in sources]
        durations = [[s for s, _ in row] for row in legs]
        if Fake.mode == "noroute":
            durations[0][-1] = None
        self._send(200, json.dumps({"code": "Ok", "durations": durations,
                                    "distances": [[m for _, m in row] for row in legs]}).encode())

    def do_POST(self) -> None:  # Valhalla
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self._trouble():
            return
        assert self.path == "/sources_to_targets" and body["costing"] == "auto"
        assert body["units"] == "kilometers"
        rows = [[{"from_index": i, "to_index": j,
                  "time": _leg((a["lat"], a["lon"]), (b["lat"], b["lon"]))[0],
                  "distance": _leg((a["lat"], a["lon"]), (b["lat"], b["lon"]))[1] / 1000}
                 for j, b in enumerate(body["targets"])] for i, a in enumerate(body["sources"])]
        self._send(200, json.dumps({"sources_to_targets": rows}).encode())


@pytest.fixture
def service(monkeypatch, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Fake.mode, Fake.calls = "ok", []
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("FIELDPLAN_OSRM_URL", url)
    monkeypatch.setenv("FIELDPLAN_VALHALLA_URL", url)
    monkeypatch.setenv("FIELDPLAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setitem(travel_services.BLOCK, "osrm", 10)
    monkeypatch.setitem(travel_services.BLOCK, "valhalla", 10)
    monkeypatch.setattr(travel_services, "TIMEOUT_SECONDS", 0.5)
    yield url
    server.shutdown()
    server.server_close()


def _day(provider: str, **travel) -> dict:
    rng = np.random.default_rng(4)
    return {"date": "2026-12-01", "timezone": "Asia/Shanghai",
            "collectors": [{"id": "K1", "start": {"lat": 31.23, "lon": 121.47},
                            "shift": {"start": "2026-12-01T09:00:00+08:00",
                                      "end": "2026-12-01T18:00:00+08:00"}}],
            "customers": [{"id": f"C{k}", "location": {
                "lat": round(31.23 + float(rng.normal(0, 0.02)), 6),
                "lon": round(121.47 + float(rng.normal(0, 0.02)), 6)}, "value": 1000.0}
                for k in range(13)],
            "travel": {"provider": provider, **travel}, "options": {"time_limit_seconds": 1}}


def _on_the_service_matrix(body: dict) -> dict:
    """The same day with the fake service's matrix given inline (what the checker times on)."""
    points = [c["location"] for c in body["customers"]]
    points += [body["collectors"][0]["start"]] * 2
    legs = [[_leg((a["lat"], a["lon"]), (b["lat"], b["lon"])) for b in points] for a in points]
    out = {**body, "travel": {"matrix": {"durations": [[s for s, _ in r] for r in legs],
                                         "distances": [[m for _, m in r] for r in legs]}}}
    out["customers"] = [{**c, "location": {**c["location"], "matrix_index": k}}
                        for k, c in enumerate(body["customers"])]
    k = len(body["customers"])
    collector = body["collectors"][0]
    out["collectors"] = [{**collector, "start": {**collector["start"], "matrix_index": k},
                          "end": {**collector["start"], "matrix_index": k + 1}}]
    return out


@pytest.mark.parametrize("provider", ["osrm", "valhalla"])
def test_a_day_timed_by_the_service_in_blocks_passes_the_checker_on_its_matrix(service,
                                                                             provider):
    body = _day(provider)
    plan = runs.plan(runs.check_plan(PlanRequest.model_validate(body))).model_dump(mode="json")
    assert plan["travel_provider"] == f"{provider} (drive)"
    assert Checker(_on_the_service_matrix(body)).check(plan) == []
    # 15 locations in blocks of 5 x 5 (10 locations a call): 9 calls
    assert len(Fake.calls) == 9
    if provider == "osrm":
        assert max(c["locations"] for c in Fake.calls) <= 10
    runs.check_plan(PlanRequest.model_validate(body))  # again: from the cache, no call
    assert len(Fake.calls) == 9


def test_a_busy_service_is_asked_again(service):
    Fake.mode = "flaky"
    plan = runs.plan(runs.check_plan(PlanRequest.model_validate(_day("osrm"))))
    assert plan.travel_provider == "osrm (drive)" and len(Fake.calls) == 10


@pytest.mark.parametrize(("mode", "reason"), [
    ("garbage", "not JSON"), ("slow", "did not answer within 0.5 s"),
    ("noroute", "found no route from location 0"), ("down", "cannot be reached")])
def test_a_service_that_fails_is_an_error_or_with_fallback_straight_lines(service, mode, reason,
                                                                         monkeypatch):
    Fake.mode = mode
    if mode == "down":
        monkeypatch.setenv("FIELDPLAN_OSRM_URL", "http://127.0.0.1:9")
    started = time.monotonic()
    with pytest.raises(TravelServiceError, match=reason):
        runs.check_plan(PlanRequest.model_validate(_day("osrm")))
    assert time.monotonic() - started < 30  # a backstop against a hang, not a benchmark
    plan = runs.plan(runs.check_plan(PlanRequest.model_validate(
        _day("osrm", fallback="geodesic"))))
    assert plan.travel_provider.startswith("geodesic (fallback: osrm could not time the day")
    assert reason.split()[0] in plan.travel_provider


def test_a_provider_without_a_service_address_is_refused(monkeypatch):
    monkeypatch.delenv("FIELDPLAN_VALHALLA_URL", raising=False)
    with pytest.raises(TravelServiceError, match="FIELDPLAN_VALHALLA_URL"):
        runs.check_plan(PlanRequest.model_validate(_day("valhalla")))


def test_a_job_whose_routing_service_is_down_fails_naming_the_service(tmp_path):
    """Through a real `fieldplan serve` (its environment names the service): the job is
    accepted, then fails with the reason (not an internal error); with the fallback it
    succeeds on straight lines and says so."""
    import httpx

    from tests.api.test_server_process import _create_key, _env, _free_port, _server

    env = _env(f"sqlite:///{tmp_path}/fieldplan.db", osrm_url="http://127.0.0.1:9",
               cache_dir=str(tmp_path / "cache"))
    key = _create_key(env, "north")
    port = _free_port()
    headers = {"Authorization": f"Bearer {key}"}
    with _server(env, port, tmp_path):
        base = f"http://127.0.0.1:{port}"
        failed = httpx.post(f"{base}/v1/plans?wait=30", json=_day("osrm"), headers=headers,
                            timeout=60).json()
        assert failed["status"] == "failed", failed
        assert failed["error"].startswith("travel.provider: the osrm service at "
                                          "http://127.0.0.1:9 cannot be reached")
        done = httpx.post(f"{base}/v1/plans?wait=30", json=_day("osrm", fallback="geodesic"),
                          headers=headers, timeout=60).json()
        assert done["status"] == "succeeded", done
        assert done["result"]["travel_provider"].startswith("geodesic (fallback: osrm")
