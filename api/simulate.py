"""``fieldplan simulate``: the collection loop run on a generated city for a number of days.

Every working night Fieldplan allocates the book and plans the day from each case's history;
every day each visit's outcome is drawn from the debtor's hidden propensities
(``simulation``) and folded back. Beside it, on the same debtors and the same random draws, a
team without Fieldplan: each collector visits their own cases by days past due, nearest next,
with no history rules. Rule violations are recomputed from each visit log alone
(``verify.visit_log``)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api import runs
from api.schemas.allocation import AllocationRequest
from api.schemas.plan import PlanRequest
from common.geo import geodesic_metres
from followup import Outcome
from simulation import Debtor, Profile, book, visit_outcome

ZONE = ZoneInfo("Asia/Shanghai")
CENTRE = (31.23, 121.47)
SHIFT, LUNCH = (time(9), time(18)), (time(11, 30), time(13, 30))
SERVICE = 15 * 60
SPEED = 25 / 3.6 / 1.3  # metres per second along the streets (25 km/h, detour 1.3)
MAX_VISITS = 10


@dataclass
class Ledger:
    """One policy's month: money, visits and promises as they happened."""

    owed: dict[str, int]
    log: list[dict] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)  # cents per day
    visits: list[int] = field(default_factory=list)
    promises: dict[str, tuple[int, date, str]] = field(default_factory=dict)  # open promises

    def history(self, debtor: str) -> list[dict]:
        """The debtor's visits as a request's ``history`` gives them."""
        return [{k: v for k, v in visit.items() if k not in ("customer", "ends_at")}
                for visit in self.log if visit["customer"] == debtor]


@dataclass(frozen=True)
class Team:
    debtors: list[Debtor]
    collectors: list[dict]  # id, lat, lon


def team(cases: int, collectors: int, profile: Profile, seed: int) -> Team:
    rng = random.Random(f"team:{seed}")
    spread = 3 + 2 * math.sqrt(cases / 100)
    people = [{"id": f"C{k + 1:02d}", "lat": CENTRE[0] + rng.gauss(0, spread / 2 / 111),
               "lon": CENTRE[1] + rng.gauss(0, spread / 2 / 95)} for k in range(collectors)]
    return Team(book(cases, profile, seed=seed, centre=CENTRE, spread_km=spread), people)


def works(day: date) -> bool:
    """Collectors work Monday to Saturday."""
    return day.weekday() < 6


def at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, ZONE)


# --- Fieldplan ----------------------------------------------------------------------------

def fieldplan_day(world: Team, ledger: Ledger, day: date, seconds: float) -> list[tuple]:
    """Allocate the open book and plan the day with every case's history: (collector,
    debtor, service start) per visit."""
    open_cases = [d for d in world.debtors if ledger.owed[d.id] > 0]
    histories = {d.id: ledger.history(d.id) for d in open_cases}
    allocation = runs.allocate(runs.check_allocation(AllocationRequest.model_validate({
        "date": day.isoformat(), "timezone": str(ZONE),
        "cases": [{"id": d.id, "location": {"lat": d.lat, "lon": d.lon},
                   "balance": ledger.owed[d.id] / 100, "days_past_due": d.days_past_due,
                   "probability_to_pay": d.probability_to_pay, "history": histories[d.id]}
                  for d in open_cases],
        "collectors": [{"id": k["id"], "base": {"lat": k["lat"], "lon": k["lon"]},
                        "skills": ["senior"] if n % 3 == 0 else []}
                       for n, k in enumerate(world.collectors)],
        "policy": {"continuity_bonus": 20.0},
        "options": {"time_limit_seconds": max(1.0, seconds / 3), "method": "scalable"}})))
    owner = {a.case_id: a.collector_id for a in allocation.allocations}
    request = PlanRequest.model_validate({
        "date": day.isoformat(), "timezone": str(ZONE),
        "collectors": [{"id": k["id"], "start": {"lat": k["lat"], "lon": k["lon"]},
                        "shift": {"start": at(day, SHIFT[0]).isoformat(),
                                  "end": at(day, SHIFT[1]).isoformat()},
                        "lunch_break": {"earliest_start": at(day, LUNCH[0]).isoformat(),
                                        "latest_end": at(day, LUNCH[1]).isoformat(),
                                        "duration_seconds": 45 * 60},
                        "max_visits": MAX_VISITS,
                        "skills": ["senior"] if n % 3 == 0 else []}
                       for n, k in enumerate(world.collectors)],
        "customers": [{"id": d.id, "location": {"lat": d.lat, "lon": d.lon},
                       "balance": ledger.owed[d.id] / 100,
                       "probability_to_pay": d.probability_to_pay,
                       "allowed_collectors": [owner[d.id]], "history": histories[d.id]}
                      for d in open_cases if d.id in owner],
        "options": {"time_limit_seconds": seconds, "seed": day.toordinal()}})
    plan = runs.plan(runs.check_plan(request))
    return [(r.collector_id, s.customer_id, s.service_start) for r in plan.routes
            for s in r.steps if s.type == "visit"]


# --- the team without Fieldplan -------------------------------------------------------------

def baseline_day(world: Team, ledger: Ledger, owner: dict[str, str], day: date) -> list[tuple]:
    """Each collector: own open cases by days past due (most first), nearest next among the
    most overdue, from 09:00 to 18:00 with a lunch break at noon, no history rules."""
    visits = []
    for k in world.collectors:
        mine = sorted((d for d in world.debtors if owner[d.id] == k["id"]
                       and ledger.owed[d.id] > 0), key=lambda d: -d.days_past_due)
        here, clock, lunch_taken = (k["lat"], k["lon"]), at(day, SHIFT[0]), False
        pool = mine[:3 * MAX_VISITS]
        while pool and len([v for v in visits if v[0] == k["id"]]) < MAX_VISITS:
            nearest = min(pool, key=lambda d: _metres(here[0], here[1], d.lat, d.lon))
            drive = _metres(here[0], here[1], nearest.lat, nearest.lon) / SPEED
            start = clock + timedelta(seconds=drive)
            if not lunch_taken and start.time() >= time(12):
                start, lunch_taken = start + timedelta(minutes=45), True
            if start + timedelta(seconds=SERVICE) > at(day, SHIFT[1]):
                break
            visits.append((k["id"], nearest.id, start))
            pool.remove(nearest)
            here, clock = (nearest.lat, nearest.lon), start + timedelta(seconds=SERVICE)
    return visits


# --- the day's outcomes ---------------------------------------------------------------------

def live(world: Team, ledger: Ledger, day: date, visits: list[tuple], seed: int) -> None:
    """Draw each visit's outcome (the same draws for either policy) and record it."""
    debtors = {d.id: d for d in world.debtors}
    paid_today, count = 0, 0
    for collector, debtor_id, start in visits:
        debtor = debtors[debtor_id]
        rng = random.Random(f"{seed}:{debtor_id}:{day}")
        local = start.astimezone(ZONE)
        last = [datetime.fromisoformat(v["visited_at"]).date()
                for v in ledger.log if v["customer"] == debtor_id]
        promise = ledger.promises.get(debtor_id)
        result = visit_outcome(debtor, day, local.hour * 60 + local.minute,
                               ledger.owed[debtor_id],
                               None if promise is None else promise[:2],
                               bool(last) and (day - max(last)).days <= 3, rng)
        entry = {"id": f"{day}-{debtor_id}", "customer": debtor_id, "collector": collector,
                 "visited_at": local.isoformat(),
                 "ends_at": (local + timedelta(seconds=SERVICE)).isoformat(),
                 "outcome": result.outcome.value}
        if result.paid:
            entry["amount"] = result.paid / 100
            ledger.owed[debtor_id] -= result.paid
            paid_today += result.paid
            ledger.promises.pop(debtor_id, None)
        if result.outcome is Outcome.PROMISE_TO_PAY:
            entry["amount"] = result.promised / 100
            entry["promised_for"] = result.promised_for.isoformat()
            ledger.promises[debtor_id] = (result.promised, result.promised_for, collector)
        ledger.log.append(entry)
        count += 1
    ledger.recovered.append(paid_today)
    ledger.visits.append(count)


def promise_checks(log: list[dict]) -> dict[str, int]:
    """Promises that fell due in the run on a working day, how many were checked that day by a
    visit, and broken promises followed up by a later visit."""
    visits = {(v["customer"], datetime.fromisoformat(v["visited_at"]).date()) for v in log}
    last_day = max((datetime.fromisoformat(v["visited_at"]).date() for v in log), default=None)
    due = checked = broken = followed = 0
    for v in log:
        if v["outcome"] != "promise_to_pay":
            continue
        when = date.fromisoformat(v["promised_for"])
        if last_day is None or when > last_day or not works(when):
            continue
        due += 1
        checked += (v["customer"], when) in visits
        paid = any(p["customer"] == v["customer"] and p["outcome"].startswith("paid")
                   and v["visited_at"] < p["visited_at"]
                   and datetime.fromisoformat(p["visited_at"]).date() <= when for p in log)
        if not paid:
            broken += 1
            followed += any(p["customer"] == v["customer"]
                            and datetime.fromisoformat(p["visited_at"]).date() > when
                            for p in log)
    return {"promises_due": due, "checked_on_due_day": checked, "broken": broken,
            "broken_followed_up": followed}


Progress = Callable[[int, date], None]


def run(days: int, cases: int, collectors: int, profile: Profile, seed: int,
        plan_seconds: float, start: date, progress: Progress = lambda k, day: None) -> dict:
    """The month for both policies; the report as a dict (money in the lender's currency)."""
    from verify.visit_log import violations

    world = team(cases, collectors, profile, seed)
    ours = Ledger({d.id: d.balance for d in world.debtors})
    theirs = Ledger({d.id: d.balance for d in world.debtors})
    owner = baseline_owner(world)
    calendar = [start + timedelta(k) for k in range(days)]
    for k, day in enumerate(calendar):
        progress(k, day)
        if not works(day):
            for ledger in (ours, theirs):
                ledger.recovered.append(0)
                ledger.visits.append(0)
            continue
        live(world, ours, day, fieldplan_day(world, ours, day, plan_seconds), seed)
        live(world, theirs, day, baseline_day(world, theirs, owner, day), seed)
    collector_days = collectors * sum(works(d) for d in calendar)
    report = {"days": days, "cases": cases, "collectors": collectors, "profile": profile.name,
              "seed": seed, "start": start.isoformat(), "collector_days": collector_days,
              "calendar": [d.isoformat() for d in calendar]}
    for name, ledger in (("fieldplan", ours), ("baseline", theirs)):
        outcomes: dict[str, int] = {}
        for v in ledger.log:
            outcomes[v["outcome"]] = outcomes.get(v["outcome"], 0) + 1
        broken_rules = violations(ledger.log, str(ZONE))
        report[name] = {
            "recovered": sum(ledger.recovered) / 100,
            "recovered_per_collector_day": round(sum(ledger.recovered) / 100 / collector_days, 2),
            "recovered_by_day": [c / 100 for c in ledger.recovered],
            "visits": sum(ledger.visits), "visits_by_day": ledger.visits,
            "outcomes": outcomes, "complaints": outcomes.get("complaint", 0),
            "violations": len(broken_rules), "violation_examples": broken_rules[:10],
            **promise_checks(ledger.log)}
        report[name + "_log"] = ledger.log
    base = report["baseline"]["recovered_per_collector_day"]
    report["uplift"] = (round(report["fieldplan"]["recovered_per_collector_day"] / base - 1, 4)
                        if base else None)
    return report


def baseline_owner(world: Team) -> dict[str, str]:
    """The baseline team's fixed ownership: each case with its nearest collector."""
    return {d.id: min(world.collectors, key=lambda k: _metres(d.lat, d.lon, k["lat"],
                                                                  k["lon"]))["id"]
            for d in world.debtors}


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(geodesic_metres(lat1, lon1, lat2, lon2))
