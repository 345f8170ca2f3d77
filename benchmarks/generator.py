"""A generator of realistic collection days, as day-plan requests (JSON-ready dicts).

Real city centres; customers clustered in neighbourhoods; balances log-normal by bucket; a share of
customers who work and can only be met in the evening; promise-to-pay follow-ups that are
mandatory; dialect and seniority skills; a few homes that need a crew of two; collectors starting
from branches or from home, on day or late shifts with a lunch break.

Two profiles:

- ``standard``: visits of 15-30 minutes and a visit cap of 8-12 per collector, so on most days
  the cap is what binds; a quarter of the customers home only in the evening, 30% of the
  collectors on the late shift.
- ``tight`` (time binds): visits of 30-60 minutes, a visit cap of 20 that never binds, about a
  third of the customers home only in the evening (18:00-21:00) and 12% only in the morning
  (09:00-12:00), half of the collectors on the 12:00-21:00 shift and the others 09:00-18:00: on
  the benchmark sizes the team visits about one customer in 1.4 (300 x 20) to 1.9
  (5,000 x 250). 10% of the customers
  are mandatory, each given to a collector by construction (a two-hour window inside that
  collector's shift, at most three per collector, three hours apart, near the collector's start),
  so that the mandatory visits alone always make a feasible plan
  (:func:`mandatory_only_routes`).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

CITIES = {
    "shanghai": (31.2304, 121.4737, "shanghainese"),
    "chengdu": (30.5728, 104.0668, "sichuanese"),
    "guangzhou": (23.1291, 113.2644, "cantonese"),
}
SIZES = {"60": (60, 5), "300": (300, 20), "1500": (1500, 80), "5000": (5000, 250)}
PROFILES = ("standard", "tight")
_BUCKET_P = {"M1": 0.35, "M2": 0.25, "M3": 0.18, "M4": 0.12, "M5": 0.08, "M6+": 0.05}
_KM_LAT = 1 / 111.2


def collection_day(num_customers: int, num_collectors: int, *, seed: int = 0,
                   city: str = "shanghai", day: date = date(2026, 12, 1),
                   mandatory_share: float = 0.1, time_limit: float = 10.0,
                   plain: bool = False, profile: str = "standard") -> dict:
    """A day-plan request for ``num_customers`` customers and ``num_collectors`` collectors.

    ``plain`` leaves out what other routing solvers cannot state (lunch breaks, skills, crews
    of two, preferred collectors), for side-by-side comparisons; the random draws are the same,
    so a plain day is the full day without those rules. ``profile``: see the module."""
    if profile not in PROFILES:
        raise ValueError(f"profile: one of {', '.join(PROFILES)}")
    rng = np.random.default_rng(seed)
    lat0, lon0, dialect = CITIES[city]
    zone = ZoneInfo("Asia/Shanghai")
    km_lon = _KM_LAT / np.cos(np.radians(lat0))
    at = lambda hh, mm=0: datetime.combine(day, time(hh, mm), zone).isoformat()  # noqa: E731

    spread_km = 6 + 2.5 * np.sqrt(num_customers / 60)
    num_hoods = max(4, num_customers // 40)
    hoods = rng.normal(0, spread_km / 2, size=(num_hoods, 2))
    hood_of = rng.integers(0, num_hoods, num_customers)
    offsets = rng.normal(0, 0.9, size=(num_customers, 2))
    pos = hoods[hood_of] + offsets

    num_branches = max(1, num_collectors // 12)
    branches = rng.normal(0, spread_km / 3, size=(num_branches, 2))

    def point(km):
        return {"lat": round(lat0 + km[0] * _KM_LAT, 6), "lon": round(lon0 + km[1] * km_lon, 6)}

    if profile == "tight":
        collectors = _tight_collectors(rng, num_collectors, hoods, branches, point, at, dialect,
                                       plain)
        customers = _tight_customers(rng, pos, collectors, point, at, day, dialect, plain,
                                     lat0, lon0, km_lon)
    else:
        collectors = _collectors(rng, num_collectors, hoods, branches, point, at, dialect, plain)
        customers = _customers(rng, pos, collectors, point, at, day, dialect, mandatory_share,
                               plain)

    return {
        "date": day.isoformat(), "timezone": "Asia/Shanghai",
        "collectors": collectors, "customers": customers,
        "policy": {"legal_hours": "china", "min_rest_days": 3, "travel_cost_per_hour": 40.0,
                   "preferred_collector_bonus": 20.0},
        "travel": {"speed_kmh": 22.0, "detour_factor": 1.35},
        "options": {"time_limit_seconds": time_limit, "seed": seed},
    }


def _collectors(rng, num_collectors: int, hoods, branches, point, at, dialect: str,
                plain: bool) -> list[dict]:
    """The collectors of a generated day: 40% start from home, 30% work the late shift."""
    num_hoods, num_branches = len(hoods), len(branches)
    collectors = []
    for k in range(num_collectors):
        from_home = rng.random() < 0.4
        base = hoods[rng.integers(num_hoods)] + rng.normal(0, 1.5, 2) if from_home \
            else branches[k % num_branches]
        late = rng.random() < 0.3
        start, end = (12, 21) if late else (9, 18)
        skills = []
        if rng.random() < 0.5:
            skills.append(dialect)
        if rng.random() < 0.3:
            skills.append("senior")
        collector = {
            "id": f"C{k + 1:04d}", "start": point(base),
            "shift": {"start": at(start), "end": at(end)},
            "lunch_break": {"earliest_start": at(start + 2, 30), "latest_end": at(start + 5),
                            "duration_seconds": 2700},
            "max_visits": int(rng.integers(8, 13)),
            "max_travel_seconds": 4 * 3600,
            "skills": skills,
            "crew_size": 2 if rng.random() < 0.1 else 1,
        }
        if plain:
            for key in ("lunch_break", "skills", "crew_size"):
                del collector[key]
        collectors.append(collector)
    return collectors


def _customers(rng, pos, collectors: list[dict], point, at, day: date, dialect: str,
               mandatory_share: float, plain: bool) -> list[dict]:
    """The customers of a generated day: buckets, balances, windows, skills, rest, preference."""
    num_customers, num_collectors = len(pos), len(collectors)
    buckets = list(_BUCKET_P)
    customers = []
    for i in range(num_customers):
        bucket = buckets[min(5, int(rng.exponential(1.6)))]
        balance = float(np.round(rng.lognormal(9.6, 0.8), 2))
        p = _BUCKET_P[bucket] * float(rng.uniform(0.6, 1.4))
        kind = rng.random()
        windows = None
        if kind < 0.25:  # works during the day
            windows = [{"start": at(18), "end": at(21, 30)}]
        elif kind < 0.35:
            windows = [{"start": at(9), "end": at(12)}, {"start": at(14), "end": at(17)}]
        mandatory = bool(rng.random() < mandatory_share)
        if mandatory:
            h = int(rng.integers(10, 17))
            windows = [{"start": at(h), "end": at(h + 2)}]
        required = []
        if rng.random() < 0.15:
            required.append(dialect)
        if balance > 40_000:
            required.append("senior")
        last = None
        if rng.random() < 0.2:
            last = (day - timedelta(days=int(rng.integers(1, 15)))).isoformat()
        customer = {
            "id": f"K{i + 1:06d}", "location": point(pos[i]),
            "balance": balance, "probability_to_pay": round(min(p, 0.95), 4),
            "service_seconds": int(rng.choice([900, 1200, 1800])),
            "mandatory": mandatory, "required_skills": required,
            "needs_two_person": bool(rng.random() < 0.03),
        }
        if windows:
            customer["time_windows"] = windows
        if last:
            customer["last_visit"] = last
        if rng.random() < 0.3:
            customer["preferred_collector"] = collectors[int(rng.integers(num_collectors))]["id"]
        if plain:
            for key in ("required_skills", "needs_two_person", "preferred_collector"):
                customer.pop(key, None)
        customers.append(customer)
    return customers


# The tight profile (time binds): see the module docstring.
TIGHT_MANDATORY_EVERY = 10  # every tenth customer is mandatory
_TIGHT_SLOTS = 3  # mandatory visits per collector at most, three hours apart


def _tight_collectors(rng, num_collectors: int, hoods, branches, point, at, dialect: str,
                      plain: bool) -> list[dict]:
    """Half of the team on the late shift (every second collector), a cap that never binds."""
    collectors = _collectors(rng, num_collectors, hoods, branches, point, at, dialect, plain)
    for k, collector in enumerate(collectors):
        start, end = (12, 21) if k % 2 else (9, 18)
        collector["shift"] = {"start": at(start), "end": at(end)}
        if not plain:
            collector["lunch_break"] = {"earliest_start": at(start + 2, 30),
                                        "latest_end": at(start + 5), "duration_seconds": 2700}
        collector["max_visits"] = 20
    return collectors


def _tight_customers(rng, pos, collectors: list[dict], point, at, day: date, dialect: str,
                     plain: bool, lat0: float, lon0: float, km_lon: float) -> list[dict]:
    """Long visits, evening and morning homes, and mandatory visits placed so that each
    collector can make the ones given to them (:func:`mandatory_slot`)."""
    customers = _customers(rng, pos, collectors, point, at, day, dialect, 0.0, plain)
    for i, customer in enumerate(customers):
        customer["service_seconds"] = int(rng.choice([1800, 2700, 3600]))
        kind = rng.random()
        customer.pop("time_windows", None)
        if kind < 1 / 3:
            customer["time_windows"] = [{"start": at(18), "end": at(21)}]
        elif kind < 0.45:
            customer["time_windows"] = [{"start": at(9), "end": at(12)}]
        slot = mandatory_slot(i, len(collectors))
        if slot is None:
            continue
        k, window_start = slot
        late = k % 2
        hour = (12 if late else 9) + 1 + 3 * window_start
        start = collectors[k]["start"]
        near = rng.normal(0, 1.0, 2)
        customer.update(
            location={"lat": round(start["lat"] + near[0] * _KM_LAT, 6),
                      "lon": round(start["lon"] + near[1] * km_lon, 6)},
            mandatory=True, time_windows=[{"start": at(hour), "end": at(hour + 2)}],
            service_seconds=1800)
        customer.pop("last_visit", None)
        if not plain:
            customer.update(required_skills=[], needs_two_person=False,
                            preferred_collector=collectors[k]["id"])
    return customers


def mandatory_slot(i: int, num_collectors: int) -> tuple[int, int] | None:
    """Of a tight day: the collector and the slot (0, 1, 2: windows at shift start + 1, + 4,
    + 7 hours) of customer ``i`` if it is mandatory, else ``None``."""
    if i % TIGHT_MANDATORY_EVERY:
        return None
    j = i // TIGHT_MANDATORY_EVERY
    if j >= num_collectors * _TIGHT_SLOTS:
        return None
    return j % num_collectors, j // num_collectors


def mandatory_only_routes(body: dict) -> list[list[str]]:
    """Of a tight day: customer ids per collector (in the request's order) of a plan of the
    mandatory visits alone, each by the collector it was given to, in slot order."""
    routes: list[list[tuple[int, str]]] = [[] for _ in body["collectors"]]
    for i, customer in enumerate(body["customers"]):
        slot = mandatory_slot(i, len(body["collectors"]))
        if slot is not None:
            routes[slot[0]].append((slot[1], customer["id"]))
    return [[cid for _, cid in sorted(route)] for route in routes]
