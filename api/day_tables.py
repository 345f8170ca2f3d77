"""Day-plan requests from the rows of the cases and collectors tables (``api.tables``), for
``fieldplan plan --customers`` and the nightly job. Empty cells take ``api.defaults``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from api import defaults
from api.schemas.common import Location, Window
from api.schemas.plan import (
    CollectorIn,
    CustomerIn,
    LunchBreak,
    OptionsIn,
    PlanRequest,
    PolicyIn,
)
from api.schemas.travel import TravelIn
from api.tables import TableError, days_off, is_true


@dataclass(frozen=True)
class DayTerms:
    """The day and the rules every region's plan shares."""

    day: date
    timezone: str = "Asia/Shanghai"
    legal_hours: str = "china"
    min_rest_days: int = 0
    time_limit: float = 10.0
    deterministic: bool = False
    # Travel on a road network (a file in FIELDPLAN_ROADS_DIR), for a profile; None: geodesic.
    roads: str | None = None
    profile: str = "drive"


def day_request(members: list[dict], cases: list[dict], owner: dict[str, str] | None,
                terms: DayTerms, histories: dict[str, tuple] | None = None) -> PlanRequest:
    """The day plan of ``members`` (collectors-table rows) and ``cases`` (cases-table rows),
    each case visited by its owner only. Without ``owner``, any collector may visit any case,
    and the case's current collector is its preferred one. ``histories`` gives cases their
    ``(address_updated, visits)`` from the case file.

    Collectors whose ``days_off`` hold the day are not in it; a case whose ``due_on`` is the
    day is mandatory, as with ``promise_to_pay``.

    Raises ``TableError`` naming the row (by id) of a cell the day plan cannot take, such as a
    shift that ends before it starts; a request-wide conflict is a ``ValidationError``."""
    zone = ZoneInfo(terms.timezone)
    members, _ = on_duty(members, [], terms.day)

    def at(moment: time) -> datetime:
        return datetime.combine(terms.day, moment, zone)

    ids = {k["id"] for k in members}
    problems: list[dict[str, str]] = []
    collectors = [_row("collectors", k, problems, lambda k=k: _collector(k, at))
                  for k in members]
    histories = histories or {}
    customers = [_row("cases", c, problems, lambda c=c: _customer(
        c, at, terms.day, [owner[c["id"]]] if owner is not None else None,
        c.get("current_collector") if owner is None and c.get("current_collector") in ids
        else None, histories.get(c["id"]))) for c in cases]
    if problems:
        raise TableError(problems)
    return PlanRequest(
        date=terms.day, timezone=terms.timezone, collectors=collectors, customers=customers,
        policy=PolicyIn(legal_hours=terms.legal_hours, min_rest_days=terms.min_rest_days),
        options=OptionsIn(time_limit_seconds=terms.time_limit,
                          deterministic=terms.deterministic),
        travel=TravelIn(provider="roads", network=terms.roads, profile=terms.profile)
        if terms.roads else TravelIn())


def is_off(row: dict, day: date) -> bool:
    """Is the collector of a collectors-table row off on ``day`` (their ``days_off``)?"""
    dates, weekdays = days_off(row.get("day", {}).get("days_off", ""))
    return day in dates or day.weekday() in weekdays


def on_duty(collectors: list[dict], cases: list[dict], day: date
            ) -> tuple[list[dict], list[dict]]:
    """The collectors working ``day`` (not among their ``days_off``), and the cases with the
    others taken out of their ``current_collector`` and ``excluded_collectors``; a
    ``TableError`` when nobody works that day."""
    working = [k for k in collectors if not is_off(k, day)]
    if not working:
        raise TableError([{"field": "collectors: days_off", "reason": f"every collector is off "
                           f"on {day}: nobody to plan for"}])
    off = {k["id"] for k in collectors} - {k["id"] for k in working}
    if not off:
        return collectors, cases
    kept = []
    for case in cases:
        case = {**case, "excluded_collectors": [k for k in case.get("excluded_collectors", [])
                                                if k not in off]}
        if case.get("current_collector") in off:
            del case["current_collector"]
        kept.append(case)
    return working, kept


def out_of_shift(cases: list[dict], collectors: list[dict]) -> dict[str, list[str]]:
    """The collectors who could not make a case's visit in its ``visit_window``: their shift
    does not hold the visit's minutes inside the window (an evening-only customer and a
    collector who goes home at 18:00). The nightly allocation does not give them the case, so
    that its day plan can visit it. Only collectors of the case's region (or of any region)
    are listed. Cells that do not parse are left to the day plan's own checks."""
    shifts = {}
    for k in collectors:
        day = k.get("day", {})
        try:
            shifts[k["id"]] = (_minutes(_clock(day.get("shift_start"), defaults.SHIFT[0])),
                               _minutes(_clock(day.get("shift_end"), defaults.SHIFT[1])))
        except ValueError:
            continue
    excluded: dict[str, list[str]] = {}
    for case in cases:
        day = case.get("day", {})
        if "visit_window" not in day:
            continue
        try:
            first, last = (_minutes(_clock(part, time()))
                           for part in day["visit_window"].replace("–", "-").split("-"))
            service = int(day.get("service_minutes", defaults.SERVICE_SECONDS // 60))
        except ValueError:
            continue
        region = case.get("region")
        excluded[case["id"]] = [
            k["id"] for k in collectors if k["id"] in shifts
            and (k.get("regions") is None or region is None or region in k["regions"])
            and min(last, shifts[k["id"]][1]) - max(first, shifts[k["id"]][0]) < service]
    return {case: ids for case, ids in excluded.items() if ids}


def _minutes(moment: time) -> int:
    return 60 * moment.hour + moment.minute


def _row(kind: str, row: dict, problems: list[dict[str, str]], make: Callable):
    try:
        return make()
    except ValidationError as exc:
        for item in exc.errors(include_url=False):
            where = ".".join(str(part) for part in item["loc"])
            problems.append({"field": f"{kind} {row['id']}" + (f": {where}" if where else ""),
                             "reason": item["msg"].removeprefix("Value error, ")})
        return None


def _clock(text: str | None, default: time) -> time:
    return default if text is None else time.fromisoformat(text.strip().zfill(5))


def _collector(row: dict, at) -> CollectorIn:
    day = row.get("day", {})
    start = _clock(day.get("shift_start"), defaults.SHIFT[0])
    end = _clock(day.get("shift_end"), defaults.SHIFT[1])
    first = _clock(day.get("lunch_start"), defaults.LUNCH[0])
    last = _clock(day.get("lunch_end"), defaults.LUNCH[1])
    minutes = int(day.get("lunch_minutes", defaults.LUNCH_MINUTES))
    lunch = None
    if minutes and start <= first and last <= end:
        lunch = LunchBreak(earliest_start=at(first), latest_end=at(last),
                           duration_seconds=60 * minutes)
    extra = {column: int(day[column]) for column in ("max_visits", "crew_size") if column in day}
    return CollectorIn(id=row["id"], start=Location.model_validate(row["base"]),
                       shift=Window(start=at(start), end=at(end)), lunch_break=lunch,
                       skills=row.get("skills", []), **extra)


def _customer(row: dict, at, today: date, allowed: list[str] | None, preferred: str | None,
              history: tuple | None) -> CustomerIn:
    day = row.get("day", {})
    fields: dict = {}
    if history is not None:
        fields["address_updated"], fields["history"] = history
    if "expected_value" in row:
        fields["value"] = float(row["expected_value"])
    else:
        fields["balance"] = float(row["balance"])
        fields["probability_to_pay"] = float(row["probability_to_pay"])
    if "visit_window" in day:
        first, last = day["visit_window"].replace("–", "-").split("-")
        fields["time_windows"] = [Window(start=at(_clock(first, time())),
                                         end=at(_clock(last, time())))]
    if "service_minutes" in day:
        fields["service_seconds"] = 60 * int(day["service_minutes"])
    if "last_visit" in day:
        fields["last_visit"] = date.fromisoformat(day["last_visit"])
    if "address" in day:
        fields["address"] = day["address"]
    if "geocode_match" in day:  # how the address was found (or why not: left out)
        fields["geocode_match"] = day["geocode_match"]
        fields["geocode_note"] = day.get("geocode_note") or None
    if "unlocated" in row:
        fields["geocode_match"], fields["geocode_note"] = "none", row["unlocated"][:500]
    return CustomerIn(id=row["id"], location=Location.model_validate(row["location"])
                      if "location" in row else None,
                      required_skills=row.get("required_skills", []),
                      mandatory=is_true(day.get("promise_to_pay"))
                      or day.get("due_on") == today.isoformat(),
                      allowed_collectors=allowed, preferred_collector=preferred, **fields)
