"""Reading a road network out of an OpenStreetMap extract (``.osm.pbf``) with pyosmium."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from common.geo import geodesic_metres
from roads import profiles
from roads.errors import RoadsError


def read(path: Path) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, ...]]]:
    """The road nodes of an extract (latitudes, longitudes) and, per profile, its directed
    edges as ``(tails, heads, metres, seconds)``. Raises ``RoadsError`` for a file that is not
    an OSM extract, or one with no road a car can use."""
    import osmium

    index: dict[int, int] = {}
    lat: list[float] = []
    lon: list[float] = []
    pieces: dict[str, list[tuple[list[int], float, int]]] = {p: [] for p in profiles.PROFILES}
    try:
        ways = osmium.FileProcessor(str(path)).with_locations().with_filter(
            osmium.filter.KeyFilter("highway"))
        for way in ways:
            if not way.is_way() or len(way.nodes) < 2:
                continue
            tags = {tag.k: tag.v for tag in way.tags}
            kept = [(p, speed, profiles.direction(p, tags)) for p in profiles.PROFILES
                    if (speed := profiles.speed_kmh(p, tags)) is not None]
            if not kept:
                continue
            nodes = []
            for node in way.nodes:
                if not node.location.valid():
                    continue
                if node.ref not in index:
                    index[node.ref] = len(lat)
                    lat.append(node.location.lat)
                    lon.append(node.location.lon)
                nodes.append(index[node.ref])
            if len(nodes) < 2:
                continue
            for profile, speed, way_direction in kept:
                pieces[profile].append((nodes, speed, way_direction))
    except (RuntimeError, OSError) as exc:
        raise RoadsError("extract", f"{path} is not an OpenStreetMap extract that can be "
                                    f"read ({exc})") from None
    if not pieces["drive"]:
        raise RoadsError("extract", f"{path} holds no road a car can use (no highway=* way "
                                    "of a drivable class)")
    lat_a, lon_a = np.array(lat), np.array(lon)
    return lat_a, lon_a, {p: _edges(lat_a, lon_a, ways) for p, ways in pieces.items()}


def _edges(lat: np.ndarray, lon: np.ndarray, ways: list[tuple[list[int], float, int]]
           ) -> tuple[np.ndarray, ...]:
    """Directed edges of consecutive way nodes: tails, heads, metres, seconds (the shortest of
    parallel edges kept)."""
    tails, heads, speeds = [], [], []
    for nodes, speed, way_direction in ways:
        a = np.array(nodes[:-1], dtype=np.int64)
        b = np.array(nodes[1:], dtype=np.int64)
        if way_direction >= 0:
            tails.append(a), heads.append(b), speeds.append(np.full(len(a), speed))
        if way_direction <= 0:
            tails.append(b), heads.append(a), speeds.append(np.full(len(a), speed))
    if not tails:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    tail, head, kmh = np.concatenate(tails), np.concatenate(heads), np.concatenate(speeds)
    keep = tail != head
    tail, head, kmh = tail[keep], head[keep], kmh[keep]
    metres = geodesic_metres(lat[tail], lon[tail], lat[head], lon[head])
    seconds = metres / (kmh / 3.6)
    order = np.lexsort((seconds, head, tail))  # per pair, the fastest first
    tail, head, metres, seconds = tail[order], head[order], metres[order], seconds[order]
    first = np.ones(len(tail), dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    return tail[first], head[first], metres[first], seconds[first]
