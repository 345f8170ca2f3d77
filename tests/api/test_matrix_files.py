"""Travel matrices read without a Python list per number: inline JSON read straight into an
array, or .npy files beside the request; a plan keeps a large matrix beside itself and is
re-planned from there. The same day gives the same plan whichever way its matrix came."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from api import runs
from api.schemas.matrix import FILES, parse_with_matrices
from api.schemas.plan import PlanRequest
from benchmarks.generator import collection_day

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")


def _day_with_matrix(n: int, k: int) -> tuple[dict, np.ndarray, np.ndarray]:
    body = collection_day(n, k, seed=6, plain=True)
    places = [c["start"] for c in body["collectors"]] + [c["location"] for c in body["customers"]]
    lat = np.radians([p["lat"] for p in places])
    lon = np.radians([p["lon"] for p in places])
    metres = 6_371_000 * np.hypot(lat[:, None] - lat[None, :],
                                  (lon[:, None] - lon[None, :]) * np.cos(lat.mean())) * 1.3
    distances = np.rint(metres).astype(int)
    durations = np.rint(metres / 6.5).astype(int)
    for index, place in enumerate(places):
        place["matrix_index"] = index
    body["travel"] = {"matrix": {"durations": durations.tolist(),
                                 "distances": distances.tolist()}}
    body["options"] = {"time_limit_seconds": 60, "deterministic": True, "work_limit": 200}
    return body, durations, distances


def _routes(request: PlanRequest) -> list[list[str]]:
    plan = runs.plan(runs.check_plan(request))
    return [[s.customer_id for s in r.steps if s.type == "visit"] for r in plan.routes]


def test_the_same_day_gives_the_same_plan_from_lists_from_the_fast_reader_and_from_files(
        tmp_path):
    body, durations, distances = _day_with_matrix(60, 5)
    raw = json.dumps(body, indent=1).encode()
    read = parse_with_matrices(raw)
    assert isinstance(read["travel"]["matrix"]["durations"], np.ndarray)
    assert (read["travel"]["matrix"]["durations"] == durations).all()
    np.save(tmp_path / "d.npy", durations)
    np.save(tmp_path / "m.npy", distances)
    files = {**body, "travel": {"matrix": {"durations": "d.npy", "distances": "m.npy"}}}
    as_lists = _routes(PlanRequest.model_validate(body))
    assert _routes(PlanRequest.model_validate(read)) == as_lists
    assert _routes(PlanRequest.model_validate(files, context={FILES: tmp_path})) == as_lists
    assert sum(map(len, as_lists)) > 10


def test_a_plan_keeps_a_large_matrix_beside_itself_and_is_replanned_from_there(tmp_path):
    body, _, _ = _day_with_matrix(300, 20)
    body["options"] = {"time_limit_seconds": 2}
    (tmp_path / "day.json").write_text(json.dumps(body))
    plan = tmp_path / "out" / "plan.json"
    plan.parent.mkdir()
    done = subprocess.run([FIELDPLAN, "plan", str(tmp_path / "day.json"), "-q", "-o", str(plan)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 3), done.stderr
    kept = json.loads(plan.read_text())["request"]["travel"]["matrix"]
    assert kept == {"durations": "plan.durations.npy", "distances": "plan.distances.npy"}
    assert np.load(plan.parent / kept["durations"]).shape == (320, 320)
    (tmp_path / "events.json").write_text(json.dumps({"at": "2026-12-01T12:00:00+08:00"}))
    again = subprocess.run([FIELDPLAN, "replan", str(plan), str(tmp_path / "events.json"),
                            "-q", "--time-limit", "2", "-o", str(tmp_path / "plan2.json")],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode in (0, 3), again.stderr
    assert json.loads((tmp_path / "plan2.json").read_text())["summary"]["visits"] > 0


def test_a_bad_matrix_or_file_is_bad_input_naming_the_field(tmp_path):
    body, _, _ = _day_with_matrix(60, 5)
    ragged = json.loads(json.dumps(body))
    ragged["travel"]["matrix"]["durations"][3].pop()
    missing = {**body, "travel": {"matrix": {"durations": "nowhere.npy"}}}
    for name, request, words in (("ragged", ragged, "row 3 holds 64 numbers, not 65"),
                                 ("missing", missing, "nowhere.npy: no such file")):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(request))
        done = subprocess.run([FIELDPLAN, "plan", str(path)], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2, done.stderr
        assert "travel.matrix.durations" in done.stderr and words in done.stderr
        assert "Traceback" not in done.stderr


def test_the_service_takes_matrices_inline_only(tmp_path):
    from api.config import Settings
    from api.main import create_app

    body, _, _ = _day_with_matrix(60, 5)
    body["travel"] = {"matrix": {"durations": "/etc/passwd.npy"}}
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/f.db", auth=False))
    with TestClient(app) as client:
        answer = client.post("/v1/plans", json=body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "travel.matrix.durations"
    assert "read only by the command line" in answer.json()["errors"][0]["reason"]
