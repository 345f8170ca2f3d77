"""``fieldplan bench roads``: a generated river city (a grid of streets cut by a river with a
few bridges, some one-way streets, main roads every few blocks) written as an OpenStreetMap
extract, built into a road network, and timed: the matrix between 1,500 and 5,000 locations,
its time and the process's peak memory."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(width=160)
# Where the river city lies (Shanghai's latitude), and its block.
ORIGIN = (31.10, 121.30)
BLOCK_METRES = 100.0


def river_city(path: Path, *, side: int = 320, bridges: int = 3, seed: int = 0) -> dict:
    """Write a ``side`` x ``side`` grid city as an ``.osm.pbf``: streets every
    ``BLOCK_METRES``, primary roads every 10th line, every 7th street one-way (alternating
    directions), a river along the middle row crossed by ``bridges`` bridges only."""
    import numpy as np
    import osmium

    rng = np.random.default_rng(seed)
    dlat = BLOCK_METRES / 110_540
    dlon = BLOCK_METRES / (111_320 * np.cos(np.radians(ORIGIN[0])))
    river = side // 2
    crossing = set(rng.choice(np.arange(5, side - 5), size=bridges, replace=False).tolist())
    node = lambda r, c: r * side + c + 1  # noqa: E731
    ways = 0
    with osmium.SimpleWriter(str(path)) as writer:
        for r in range(side):
            for c in range(side):
                writer.add_node(osmium.osm.mutable.Node(
                    id=node(r, c), location=(ORIGIN[1] + c * dlon, ORIGIN[0] + r * dlat)))

        def street(refs: list[int], k: int) -> None:
            nonlocal ways
            tags = {"highway": "primary" if k % 10 == 0 else "residential"}
            if k % 7 == 3:
                tags["oneway"] = "yes" if (k // 7) % 2 else "-1"
            ways += 1
            writer.add_way(osmium.osm.mutable.Way(id=ways, nodes=refs, tags=tags))

        for r in range(side):  # east-west streets
            if r != river:
                street([node(r, c) for c in range(side)], r)
        for c in range(side):  # north-south streets, cut by the river but at the bridges
            if c in crossing:
                street([node(r, c) for r in range(side)], c)
            else:
                street([node(r, c) for r in range(river)], c)
                street([node(r, c) for r in range(river + 1, side)], c)
    return {"nodes": side * side, "ways": ways, "bridges": sorted(crossing)}


def river_day(built, *, customers: int, collectors: int, seed: int = 0,
              seconds: float = 10.0) -> dict:
    """A day-plan request on the river city: customers in the 10 km square around the middle
    of the river (a third of them home only from 18:00), collectors setting out from two
    branches, one on each bank (a third on the late shift, 12:00 to 21:00)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lat0, lon0 = float(built.lat.min()), float(built.lon.min())
    dlat = BLOCK_METRES / 110_540
    dlon = BLOCK_METRES / (111_320 * np.cos(np.radians(ORIGIN[0])))
    middle = (float(np.ptp(built.lat)) / dlat) / 2

    def spot(row: float, col: float) -> dict:
        return {"lat": round(lat0 + row * dlat, 6), "lon": round(lon0 + col * dlon, 6)}

    branches = [spot(middle - 30, middle - 20), spot(middle + 30, middle + 20)]
    day = "2026-12-01"
    people = []
    for k in range(customers):
        person = {"id": f"R{k:04d}", "location": spot(*rng.uniform(middle - 50, middle + 50, 2)),
                  "value": float(rng.integers(300, 3000)), "service_seconds": 1200}
        if rng.random() < 1 / 3:
            person["time_windows"] = [{"start": f"{day}T18:00:00+08:00",
                                       "end": f"{day}T21:00:00+08:00"}]
        people.append(person)
    team = []
    for j in range(collectors):
        late = j % 3 == 2
        team.append({"id": f"K{j:02d}", "start": branches[j % 2],
                     "shift": {"start": f"{day}T{'12' if late else '09'}:00:00+08:00",
                               "end": f"{day}T{'21' if late else '18'}:00:00+08:00"}})
    return {"date": day, "timezone": "Asia/Shanghai", "collectors": team, "customers": people,
            "options": {"time_limit_seconds": seconds}}


def _with_matrix(body: dict, seconds, metres) -> dict:
    """The day with the road matrix given inline (what the independent checker times on)."""
    out = {**body, "travel": {"matrix": {"durations": seconds.tolist(),
                                         "distances": metres.tolist()}}}
    n = len(body["customers"])
    out["customers"] = [{**c, "location": {**c["location"], "matrix_index": k}}
                        for k, c in enumerate(body["customers"])]
    out["collectors"] = [{**c, "start": {**c["start"], "matrix_index": n + 2 * j},
                          "end": {**c["start"], "matrix_index": n + 2 * j + 1}}
                         for j, c in enumerate(body["collectors"])]
    return out


def _plans_on_the_roads(built, customers: int, collectors: int, seconds: float,
                        profile: str, city: dict) -> dict:
    """The day planned on straight lines and on the roads; each re-timed on the road matrix
    by the independent checker."""
    import numpy as np

    from api import runs
    from api.schemas.plan import PlanRequest
    from roads import paths
    from verify.day_plan import Checker
    from verify.retime import retime

    body = river_day(built, customers=customers, collectors=collectors, seconds=seconds)
    points = [c["location"] for c in body["customers"]]
    for c in body["collectors"]:
        points += [c["start"], c["start"]]
    timed = paths.travel(built, profile, np.array([p["lat"] for p in points]),
                         np.array([p["lon"] for p in points]))
    checker = Checker(_with_matrix(body, timed.seconds, timed.metres))
    found = {"instance": f"river-city-{city['nodes']}-day", "customers": customers,
             "collectors": collectors, "seconds": seconds}
    for name, travel in (("geodesic", {}), ("roads", {"provider": "roads", "profile": profile,
                                                      "network": "river-city.roads"})):
        request = PlanRequest.model_validate({**body, "travel": travel} if travel else body)
        plan = runs.plan(runs.check_plan(request)).model_dump(mode="json")
        again = retime(checker, plan)
        found[name] = {"visits": plan["summary"]["visits"], "value": plan["summary"]["value"],
                       "missed_windows": len(again.missed_windows),
                       "late_returns": len(again.late_returns),
                       "violations": len(checker.check(plan))}
    return found


def address_book(path: Path, *, streets: int = 3000, per_street: int = 5, seed: int = 0
                 ) -> list[tuple[str, float, float]]:
    """Write an extract of address points only: ``streets`` streets with Chinese names
    (南京东路, 中山北一路, ...) and ``per_street`` numbered houses each; return every address as
    a case table would write it ("上海市黄浦区南京东路12号") with its point."""
    import numpy as np
    import osmium

    rng = np.random.default_rng(seed)
    heads = "南京北京中山淮海延安人民复兴长寿武宁曹杨漕溪衡山龙华天钥宜山世纪张杨东方杨高浦东"
    tails = ["路", "东路", "西路", "北路", "南路", "一路", "二路", "大道", "街"]
    names: list[str] = []
    while len(names) < streets:
        name = (heads[rng.integers(len(heads) // 2) * 2:][:2]
                + heads[rng.integers(len(heads) // 2) * 2:][:2] + str(rng.choice(tails)))
        if name not in names:
            names.append(name)
    book = []
    with osmium.SimpleWriter(str(path)) as writer:
        for k, name in enumerate(names):
            for j in range(per_street):
                number = str(2 * j + 1 + int(rng.integers(0, 3)) * 100)
                lat = ORIGIN[0] + float(rng.uniform(0, 0.3))
                lon = ORIGIN[1] + float(rng.uniform(0, 0.3))
                writer.add_node(osmium.osm.mutable.Node(
                    id=k * per_street + j + 1, location=(lon, lat),
                    tags={"addr:street": name, "addr:housenumber": number}))
                book.append((f"上海市某区{name}{number}号", lat, lon))
    return book


def _geocoding(folder: Path, count: int) -> dict:
    """``count`` written addresses found in an address extract of 3,000 streets."""
    from roads import addresses

    extract = folder / "addresses.osm.pbf"
    book = address_book(extract)
    started = time.perf_counter()
    matcher = addresses.Matcher(addresses.read(extract))
    index_s = time.perf_counter() - started
    wanted = [book[i % len(book)] for i in range(count)]
    started = time.perf_counter()
    found = [matcher.find(text) for text, _, _ in wanted]
    seconds = time.perf_counter() - started
    exact = sum(f.quality == "exact" and abs(f.lat - lat) < 1e-6 and abs(f.lon - lon) < 1e-6
                for f, (_, lat, lon) in zip(found, wanted))
    return {"instance": "address-book-3000-streets", "addresses": count,
            "index_s": round(index_s, 2), "geocode_s": round(seconds, 2), "exact": exact}


def _peak_mb() -> float:
    """The peak memory of this process, plus that of the largest process it started (the
    searches run in one process per core)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def roads(
    side: Annotated[int, typer.Option(help="streets per side of the grid city")] = 320,
    sizes: Annotated[list[int] | None, typer.Option("--size", help="locations per matrix")
                     ] = None,
    profile: Annotated[str, typer.Option(help="drive, two_wheeler or walk")] = "drive",
    day_customers: Annotated[int, typer.Option(
        help="customers of the day planned on straight lines and on the roads (0: none)")
                             ] = 300,
    day_collectors: Annotated[int, typer.Option(help="collectors of that day")] = 10,
    day_seconds: Annotated[float, typer.Option(help="time limit of each plan of that day")
                           ] = 10.0,
    geocode: Annotated[int, typer.Option(help="addresses to geocode offline (0: none)")
                       ] = 10_000,
    out: Annotated[Path | None, typer.Option(help="append JSON lines here")] = None,
) -> None:
    """The matrix between 1,500 and 5,000 locations of a generated river
    city of about 100,000 road nodes: the first time (and peak memory), and
    again from the cache. Then a day on that city planned on straight lines
    and on the roads, both re-timed on the roads."""
    import os

    import numpy as np

    from api.schemas.roads import provider_matrix
    from api.schemas.travel import TravelIn
    from benchmarks.cli import _emit
    from roads import network

    sizes = sizes or [1500, 5000]
    records = []
    with tempfile.TemporaryDirectory(prefix="fieldplan-roads-") as folder:
        extract = Path(folder) / "river-city.osm.pbf"
        city = river_city(extract, side=side)
        started = time.perf_counter()
        built = network.build(extract)
        build_s = time.perf_counter() - started
        network.save(built, Path(folder) / "river-city.roads")
        os.environ["FIELDPLAN_ROADS_DIR"] = folder
        os.environ["FIELDPLAN_CACHE_DIR"] = str(Path(folder) / "cache")
        travel = TravelIn(provider="roads", network="river-city.roads", profile=profile)
        rng = np.random.default_rng(1)
        lat0, lon0 = float(built.lat.min()), float(built.lon.min())
        span_lat, span_lon = float(np.ptp(built.lat)), float(np.ptp(built.lon))
        for n in sizes:
            lat = lat0 + rng.uniform(0, 1, n) * span_lat
            lon = lon0 + rng.uniform(0, 1, n) * span_lon
            names = [f"location {i}" for i in range(n)]
            started = time.perf_counter()
            timed = provider_matrix(travel, lat, lon, names)[0]
            seconds = time.perf_counter() - started
            peak = _peak_mb()
            started = time.perf_counter()
            provider_matrix(travel, lat, lon, names)
            cached = time.perf_counter() - started
            records.append({"instance": f"river-city-{city['nodes']}", "locations": n,
                            "profile": profile, "nodes": city["nodes"],
                            "edges": len(built.edges[profile].tails),
                            "bridges": len(city["bridges"]), "build_s": round(build_s, 2),
                            "matrix_s": round(seconds, 2), "cached_s": round(cached, 3),
                            "peak_mb": round(peak),
                            "longest_s": int(timed.durations.max())})
        if geocode:
            records.append(_geocoding(Path(folder), geocode))
        if day_customers:
            records.append(_plans_on_the_roads(built, day_customers, day_collectors,
                                               day_seconds, profile, city))
    for record in records:
        _emit(out, record)
    day = next((r for r in records if "geodesic" in r), None)
    coded = next((r for r in records if "addresses" in r), None)
    records = [r for r in records if "geodesic" not in r and "addresses" not in r]
    table = Table("city", "nodes", "edges", "build s", "locations", "matrix s",
                  "from the cache s", "peak MB")
    for r in records:
        table.add_row(r["instance"], f"{r['nodes']:,}", f"{r['edges']:,}", str(r["build_s"]),
                      f"{r['locations']:,}", str(r["matrix_s"]), str(r["cached_s"]),
                      str(r["peak_mb"]))
    console.print(table)
    if coded is not None:
        console.print(f"geocoding offline: {coded['addresses']:,} addresses in "
                      f"{coded['geocode_s']} s ({coded['exact']:,} exact, on their point), "
                      f"index of 15,000 address points read in {coded['index_s']} s")
    if day is not None:
        days = Table("day on the river city", "visits", "value", "windows missed on the roads",
                     "collectors back late", "violations (independent checker, road matrix)")
        for name in ("geodesic", "roads"):
            r = day[name]
            days.add_row(f"planned on {name}", str(r["visits"]), f"{r['value']:,.0f}",
                         str(r["missed_windows"]), str(r["late_returns"]),
                         str(r["violations"]))
        console.print(days)
