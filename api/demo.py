"""A realistic generated city for ``fieldplan demo``: branches and collectors in four
districts of Shanghai, and a few thousand overdue cases in buckets M1..M6+, some evening-only,
some with a promise-to-pay follow-up due tomorrow, some visited a day ago."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

CENTRE = (31.2304, 121.4737)
DISTRICTS = ["huangpu", "xuhui", "pudong", "putuo"]
_CODES = {"huangpu": "HP", "xuhui": "XH", "pudong": "PD", "putuo": "PT"}
_OFFSETS_KM = [(0.0, 0.0), (-6.0, -5.0), (1.0, 8.0), (5.0, -7.0)]
_BUCKETS = ["M1", "M2", "M3", "M4", "M5", "M6+"]
_BUCKET_P = [0.35, 0.25, 0.18, 0.12, 0.06, 0.04]
_PAY_P = {"M1": 0.45, "M2": 0.3, "M3": 0.2, "M4": 0.12, "M5": 0.08, "M6+": 0.05}
_KM = 1 / 111.2
# Made-up street addresses for the route sheets: district, then a few of its streets.
_STREETS = {"huangpu": ("黄浦区", ["南京东路", "福州路", "淮海中路", "西藏南路", "复兴东路"]),
            "xuhui": ("徐汇区", ["漕溪北路", "衡山路", "龙华中路", "天钥桥路", "宜山路"]),
            "pudong": ("浦东新区", ["世纪大道", "张杨路", "浦东南路", "东方路", "杨高中路"]),
            "putuo": ("普陀区", ["曹杨路", "长寿路", "真北路", "武宁路", "中山北路"])}

CASE_COLUMNS = ["id", "lat", "lon", "balance", "bucket", "probability_to_pay", "region",
                "required_skills", "current_collector", "mandatory", "service_minutes",
                "visit_window", "promise_to_pay", "last_visit", "address"]
COLLECTOR_COLUMNS = ["id", "lat", "lon", "capacity_cases", "capacity_hours", "skills", "regions",
                     "shift_start", "shift_end", "lunch_minutes", "max_visits"]


def city(out: Path, *, cases: int = 2400, collectors_per_district: int = 10, seed: int = 1,
         yesterday: str = "2026-11-30") -> tuple[Path, Path]:
    """Write ``cases.csv`` and ``collectors.csv`` into ``out``; return their paths."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)

    def point(km):
        return (round(CENTRE[0] + km[0] * _KM, 6),
                round(CENTRE[1] + km[1] * _KM / np.cos(np.radians(CENTRE[0])), 6))

    collectors = []
    for d, name in enumerate(DISTRICTS):
        branch = np.array(_OFFSETS_KM[d])
        for k in range(collectors_per_district):
            home = rng.random() < 0.4
            base = branch + (rng.normal(0, 2.0, 2) if home else rng.normal(0, 0.2, 2))
            late = k % 3 == 2  # every district has a late shift for its evening-only homes
            skills = (["shanghainese"] if rng.random() < 0.5 else []) + (
                ["senior"] if rng.random() < 0.3 else [])
            lat, lon = point(base)
            collectors.append({
                "id": f"{_CODES[name]}{k + 1:02d}", "lat": lat, "lon": lon,
                "capacity_cases": 80, "capacity_hours": 160, "skills": ";".join(skills),
                "regions": name, "shift_start": "12:00" if late else "09:00",
                "shift_end": "21:00" if late else "18:00", "lunch_minutes": 45,
                "max_visits": 14})
    ids_by_district = {name: [c["id"] for c in collectors if c["regions"] == name]
                       for name in DISTRICTS}
    rows = []
    for i in range(cases):
        d = int(rng.integers(len(DISTRICTS)))
        name = DISTRICTS[d]
        lat, lon = point(np.array(_OFFSETS_KM[d]) + rng.normal(0, 2.5, 2))
        bucket = _BUCKETS[int(rng.choice(len(_BUCKETS), p=_BUCKET_P))]
        balance = round(float(rng.lognormal(9.3, 0.9)), 2)
        owned = rng.random() < 0.3
        rows.append({
            "id": f"K{i + 1:06d}", "lat": lat, "lon": lon, "balance": balance, "bucket": bucket,
            "probability_to_pay": round(_PAY_P[bucket] * float(rng.uniform(0.6, 1.4)), 3),
            "region": name,
            "required_skills": "shanghainese" if rng.random() < 0.1 else "",
            "current_collector": str(rng.choice(ids_by_district[name])) if owned else "",
            "mandatory": "yes" if rng.random() < 0.02 else "",
            "service_minutes": int(rng.choice([15, 20, 30])),
            "visit_window": "18:00-21:00" if rng.random() < 0.12 else "",
            "promise_to_pay": "yes" if rng.random() < 0.03 else "",
            "last_visit": yesterday if rng.random() < 0.05 else ""})
        if rows[-1]["promise_to_pay"]:  # the promise was made at a visit before the rest days
            rows[-1]["last_visit"] = ""
    streets = np.random.default_rng(seed + 1)  # apart, so that the cases stay as they were
    for row in rows:
        district, names = _STREETS[row["region"]]
        row["address"] = (f"上海市{district}{names[int(streets.integers(len(names)))]}"
                          f"{int(streets.integers(1, 1200))}号")
    cases_path, collectors_path = out / "cases.csv", out / "collectors.csv"
    _write(cases_path, CASE_COLUMNS, rows)
    _write(collectors_path, COLLECTOR_COLUMNS, collectors)
    return cases_path, collectors_path


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def city_on_roads(out: Path, extract: Path, *, cases: int = 300, seed: int = 1,
                  yesterday: str = "2026-11-30") -> tuple[Path, Path, int]:
    """Write ``cases.csv`` (street addresses only, no coordinates: they are located while
    planning) and ``collectors.csv`` for the city of an OpenStreetMap extract, its cases at
    addresses the extract knows and a few at streets it does not (to show what becomes of
    them); one collector on an electric two-wheeler per 25 cases. Returns the two paths and
    the number of cases (at most the extract's addresses). Raises ``roads.RoadsError`` for a
    file that is not an extract, and ``ValueError`` for one with too few addresses."""
    from roads import addresses

    known = addresses.read(extract)
    unique = sorted({(s, n): (la, lo) for s, n, la, lo in zip(
        known.streets.tolist(), known.numbers.tolist(), known.lat.tolist(),
        known.lon.tolist())}.items())
    if len(unique) < 10:
        raise ValueError(f"{extract} has {len(unique)} tagged addresses (addr:street and "
                         "addr:housenumber); a demo needs at least 10")
    rng = np.random.default_rng(seed)
    count = min(cases, len(unique))
    picked = rng.choice(len(unique), size=count, replace=False)
    team = max(2, round(count / 25))
    homes = rng.choice(len(unique), size=team, replace=False)
    out.mkdir(parents=True, exist_ok=True)
    collectors = []
    for k, i in enumerate(homes):
        (_, _), (lat, lon) = unique[int(i)]
        late = k % 3 == 2
        collectors.append({"id": f"E{k + 1:02d}", "lat": round(lat, 6), "lon": round(lon, 6),
                           "capacity_cases": 40, "capacity_hours": 80, "skills": "",
                           "regions": "city", "shift_start": "12:00" if late else "09:00",
                           "shift_end": "21:00" if late else "18:00", "lunch_minutes": 30,
                           "max_visits": 12})
    rows = []
    for n, i in enumerate(picked):
        (street, number), _ = unique[int(i)]
        bucket = _BUCKETS[int(rng.choice(len(_BUCKETS), p=_BUCKET_P))]
        lost = n % 50 == 49  # an address no map has: left out, with the reason
        rows.append({
            "id": f"A{n + 1:05d}",
            "address": f"{'Tuntematon' if lost else street.title()} {number}",
            "balance": round(float(rng.lognormal(7.5, 0.8)), 2), "bucket": bucket,
            "probability_to_pay": round(_PAY_P[bucket] * float(rng.uniform(0.6, 1.4)), 3),
            "region": "city", "service_minutes": int(rng.choice([15, 20, 30])),
            "visit_window": "18:00-21:00" if rng.random() < 0.12 else "",
            "promise_to_pay": "yes" if not lost and rng.random() < 0.03 else "",
            "last_visit": yesterday if rng.random() < 0.05 else ""})
    cases_path, collectors_path = out / "cases.csv", out / "collectors.csv"
    _write(cases_path, ["id", "address", "balance", "bucket", "probability_to_pay", "region",
                        "service_minutes", "visit_window", "promise_to_pay", "last_visit"], rows)
    _write(collectors_path, COLLECTOR_COLUMNS, collectors)
    return cases_path, collectors_path, count
