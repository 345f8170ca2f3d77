"""Rule violations in a log of visits, recomputed from the log alone: every visit is judged by
the follow-up rules on the history before it (``verify.follow_up``, written apart from the
policy) and by the legal visiting hours in the customer's local time."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from verify.follow_up import FollowUp

LEGAL = {"china": (time(8), time(22)), "us_fdcpa": (time(8), time(21))}


def violations(log: list[dict], timezone: str, policy: dict | None = None,
               legal_hours: str = "china") -> list[str]:
    """Each breach as a line: a visit to a customer the rules held out that day, or a visit
    outside legal hours. A log entry has ``id``, ``customer``, ``collector``, ``visited_at``,
    ``ends_at`` (ISO, with offsets), ``outcome`` and, where they apply, ``amount`` and
    ``promised_for``."""
    zone = ZoneInfo(timezone)
    start, end = LEGAL[legal_hours]
    found = []
    by_customer: dict[str, list[dict]] = {}
    for entry in sorted(log, key=lambda e: (e["visited_at"], e["id"])):
        by_customer.setdefault(entry["customer"], []).append(entry)
    for customer, visits in by_customer.items():
        for k, visit in enumerate(visits):
            begin = datetime.fromisoformat(visit["visited_at"]).astimezone(zone)
            finish = datetime.fromisoformat(visit["ends_at"]).astimezone(zone)
            if begin.time() < start or finish.time() > end or finish.date() != begin.date():
                found.append(f"{visit['id']}: {customer} visited at {begin:%H:%M}-{finish:%H:%M}, "
                             f"outside legal hours")
            before = [v for v in visits[:k]
                      if datetime.fromisoformat(v["visited_at"]).astimezone(zone).date()
                      <= begin.date()]
            holds = FollowUp({"history": before}, begin.date(), zone, policy or {}).holds()
            if holds:
                found.append(f"{visit['id']}: {customer} visited on {begin.date()} while held "
                             f"out ({', '.join(sorted(holds))})")
    return found
