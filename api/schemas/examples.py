"""Request examples shown in the OpenAPI document (a test submits each one)."""

from __future__ import annotations

_DAY = "2026-12-01"


def _at(clock: str) -> str:
    return f"{_DAY}T{clock}:00+08:00"


PLAN = {
    "date": _DAY,
    "timezone": "Asia/Shanghai",
    "collectors": [
        {"id": "zhang", "start": {"lat": 31.2304, "lon": 121.4737},
         "shift": {"start": _at("09:00"), "end": _at("18:00")},
         "lunch_break": {"earliest_start": _at("11:30"), "latest_end": _at("13:30"),
                         "duration_seconds": 2700},
         "max_visits": 6, "skills": ["shanghainese"]},
        {"id": "li", "start": {"lat": 31.2001, "lon": 121.4402},
         "shift": {"start": _at("12:00"), "end": _at("21:00")}},
    ],
    "customers": [
        {"id": "K1", "location": {"lat": 31.2412, "lon": 121.4890}, "value": 1800,
         "service_seconds": 1200, "mandatory": True,
         "time_windows": [{"start": _at("10:00"), "end": _at("11:00")}]},
        {"id": "K2", "location": {"lat": 31.2210, "lon": 121.4550}, "balance": 42000,
         "probability_to_pay": 0.12, "required_skills": ["shanghainese"]},
        {"id": "K3", "location": {"lat": 31.1950, "lon": 121.4300}, "value": 950,
         "time_windows": [{"start": _at("18:30"), "end": _at("21:30")}]},
    ],
    "options": {"time_limit_seconds": 2},
}

ALLOCATION = {
    "cases": [
        {"id": "K0001", "location": {"lat": 31.2054, "lon": 121.4715}, "balance": 13557.96,
         "bucket": "M1", "probability_to_pay": 0.26, "current_collector": "C1"},
        {"id": "K0002", "location": {"lat": 31.2539, "lon": 121.4796}, "balance": 59355.58,
         "bucket": "M2", "probability_to_pay": 0.31, "required_skills": ["senior"]},
        {"id": "K0003", "location": {"lat": 31.2272, "lon": 121.5005}, "balance": 8772.84,
         "bucket": "M4", "probability_to_pay": 0.12, "mandatory": True},
    ],
    "collectors": [
        {"id": "C1", "base": {"lat": 31.2304, "lon": 121.4737}, "capacity_cases": 2},
        {"id": "C2", "base": {"lat": 31.2401, "lon": 121.4902}, "capacity_cases": 2,
         "skills": ["senior"]},
    ],
    "policy": {"max_distance_km": 30, "continuity_bonus": 200},
    "options": {"time_limit_seconds": 2},
}

PLAN_EXAMPLES = {"small-day": {
    "summary": "Two collectors, three customers in Shanghai",
    "description": "A lunch break, a visit cap, a mandatory promise-to-pay follow-up with its "
                   "window, a dialect skill, an evening-only customer.",
    "value": PLAN}}

ALLOCATION_EXAMPLES = {"three-cases": {
    "summary": "Three cases, two collectors",
    "description": "Continuity with the current collector, a senior-only balance, a mandatory "
                   "case, capacities and a distance limit.",
    "value": ALLOCATION}}
