"""A generator of realistic overdue portfolios, as allocation requests (JSON-ready dicts).

Several cities, each with branches; collectors based at branches or at home, with dialect and
seniority skills and a territory (their city's districts); cases clustered in neighbourhoods, with
log-normal balances, buckets M1..M6+, some already owned by a collector, a few mandatory (legal
deadlines) and a few with a conflict of interest.
"""

from __future__ import annotations

import numpy as np

from benchmarks.generator import CITIES

_P = {"M1": 0.35, "M2": 0.25, "M3": 0.18, "M4": 0.12, "M5": 0.08, "M6+": 0.05}
_KM = 1 / 111.2


def portfolio(num_cases: int, num_collectors: int, *, seed: int = 0, time_limit: float = 10.0,
              method: str = "auto") -> dict:
    """An allocation request with ``num_cases`` cases and ``num_collectors`` collectors."""
    rng = np.random.default_rng(seed)
    cities = list(CITIES.items())
    share = rng.dirichlet(np.full(len(cities), 4.0))
    city_of_case = rng.choice(len(cities), size=num_cases, p=share)
    city_of_col = np.sort(np.concatenate([np.arange(len(cities)), rng.choice(
        len(cities), size=max(0, num_collectors - len(cities)), p=share)]))[:num_collectors]
    spread = 6 + 4 * np.sqrt(num_cases / len(cities) / 1000)
    districts = 6
    collectors = []
    per_case_load = 110  # minutes, the mean of the bucket defaults weighted by the mix
    total_minutes = num_cases * per_case_load
    for j in range(num_collectors):
        c = city_of_col[j]
        (lat0, lon0, dialect) = cities[c][1]
        pos = rng.normal(0, spread / 2.5, 2)
        skills = ([dialect] if rng.random() < 0.6 else []) + (["senior"] if rng.random() < 0.3
                                                                else [])
        capacity = total_minutes / num_collectors * rng.uniform(1.0, 1.4) / 60
        regions = [f"{cities[c][0]}-{d}" for d in range(districts)]
        collectors.append({
            "id": f"C{j + 1:05d}",
            "base": {"lat": round(lat0 + pos[0] * _KM, 6),
                     "lon": round(lon0 + pos[1] * _KM / np.cos(np.radians(lat0)), 6)},
            "capacity_cases": int(num_cases / num_collectors * 1.5) + 5,
            "capacity_hours": round(float(capacity), 1),
            "skills": skills, "regions": regions,
        })
    by_city = {c: [k["id"] for k, cc in zip(collectors, city_of_col) if cc == c]
               for c in range(len(cities))}
    cases = []
    buckets = list(_P)
    for i in range(num_cases):
        c = city_of_case[i]
        name, (lat0, lon0, dialect) = cities[c]
        pos = rng.normal(0, spread / 2, 2)
        district = int(rng.integers(districts))
        bucket = buckets[min(5, int(rng.exponential(1.4)))]
        balance = float(np.round(rng.lognormal(9.4, 0.9), 2))
        case = {
            "id": f"K{i + 1:07d}",
            "location": {"lat": round(lat0 + pos[0] * _KM, 6),
                         "lon": round(lon0 + pos[1] * _KM / np.cos(np.radians(lat0)), 6)},
            "balance": balance, "bucket": bucket,
            "probability_to_pay": round(_P[bucket] * float(rng.uniform(0.6, 1.4)), 4),
            "region": f"{name}-{district}",
        }
        if rng.random() < 0.15:
            case["required_skills"] = [dialect]
        if rng.random() < 0.35 and by_city[c]:
            case["current_collector"] = by_city[c][int(rng.integers(len(by_city[c])))]
        if rng.random() < 0.03:
            case["mandatory"] = True
        if rng.random() < 0.01 and by_city[c]:
            case["excluded_collectors"] = [by_city[c][int(rng.integers(len(by_city[c])))]]
        cases.append(case)
    return {
        "cases": cases, "collectors": collectors,
        "policy": {"max_distance_km": 40, "travel_cost_per_hour": 40, "continuity_bonus": 50,
                   "max_reassignment_share": 0.3, "balance_tolerance": 0.1,
                   "balance_cost_per_hour": 20},
        "options": {"time_limit_seconds": time_limit, "method": method},
    }
