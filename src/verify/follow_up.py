"""An independent reading of the follow-up rules, from a customer's JSON history.

Written from the rules as the README states them, not from ``followup``: it shares no code and
lists every hold that is true (not only the first), so a plan's reason can be checked against
it and a visit to a held customer caught.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULTS = {"max_contacts_per_7_days": 2, "max_contacts_per_30_days": 6,
            "max_not_home_per_7_days": 3, "complaint_hold_days": 14,
            "complaint_senior_days": 90, "senior_skill": "senior", "dispute_hold_days": 30,
            "promise_grace_days": 0, "broken_promise_factor": 0.7}
PARTS = [(time(8), time(12)), (time(12), time(17)), (time(17), time(22))]
NOBODY_MET = {"not_home", "wrong_address", "moved"}


class FollowUp:
    """What one customer's history says on ``day``, in the customer's time ``zone``."""

    def __init__(self, customer: dict, day: date, zone: ZoneInfo, policy: dict) -> None:
        self.rules = {**DEFAULTS, **policy}
        self.day, self.zone = day, zone
        self.updated = (date.fromisoformat(customer["address_updated"])
                        if customer.get("address_updated") else None)
        visits = []
        for v in customer.get("history") or []:
            local = datetime.fromisoformat(v["visited_at"]).astimezone(zone)
            visits.append({**v, "local": local, "day": local.date()})
        self.visits = sorted(visits, key=lambda v: (v["local"], v["id"]))

    def _age(self, visit: dict) -> int:
        return (self.day - visit["day"]).days

    def _last(self, outcome: str) -> dict | None:
        found = [v for v in self.visits if v["outcome"] == outcome]
        return found[-1] if found else None

    def _kept(self, promise: dict) -> bool:
        after = [v for v in self.visits if (v["local"], v["id"]) > (promise["local"], promise["id"])]
        if any(v["outcome"] == "paid_full" for v in after):
            return True
        deadline = date.fromisoformat(promise["promised_for"]) + timedelta(
            self.rules["promise_grace_days"])
        paid = sum(v.get("amount", 0) for v in after
                   if v["outcome"] == "paid_partial" and v["day"] <= deadline)
        return paid + 0.005 >= promise.get("amount", 0)

    def holds(self) -> set[str]:
        """Every hold that is true today."""
        r, found = self.rules, set()
        if any(v["outcome"] == "paid_full" for v in self.visits):
            found.add("case_closed")
        lost = [v for v in self.visits if v["outcome"] in ("wrong_address", "moved")]
        if lost:
            last = lost[-1]
            met = any(v["outcome"] not in NOBODY_MET for v in self.visits[self.visits.index(last):])
            if not met and (self.updated is None or self.updated <= last["day"]):
                found.add("address_unverified")
        dispute, complaint = self._last("dispute"), self._last("complaint")
        if dispute and self._age(dispute) < r["dispute_hold_days"]:
            found.add("dispute_under_review")
        if complaint and self._age(complaint) < r["complaint_hold_days"]:
            found.add("on_hold_after_complaint")
        promise = self._last("promise_to_pay")
        if promise and date.fromisoformat(promise["promised_for"]) > self.day \
                and not self._kept(promise):
            found.add("promise_pending")
        if promise and date.fromisoformat(promise["promised_for"]) == self.day \
                and not self._kept(promise):
            return found  # a promise due today is checked whatever the caps say
        contacts = [v for v in self.visits if v["outcome"] not in NOBODY_MET]
        if (sum(self._age(v) < 7 for v in contacts) >= r["max_contacts_per_7_days"]
                or sum(self._age(v) < 30 for v in contacts) >= r["max_contacts_per_30_days"]):
            found.add("contact_cap_reached")
        away = [v for v in self.visits if v["outcome"] == "not_home" and self._age(v) < 7]
        if len(away) >= r["max_not_home_per_7_days"]:
            found.add("attempts_exhausted")
        return found

    def mandatory(self) -> bool:
        """A promise due today, or broken and not checked on or after its date."""
        promise = self._last("promise_to_pay")
        if promise is None or self._kept(promise):
            return False
        due = date.fromisoformat(promise["promised_for"])
        if due == self.day:
            return True
        late = due + timedelta(self.rules["promise_grace_days"]) < self.day
        checked = any(v["day"] >= due and v is not promise
                      and self.visits.index(v) > self.visits.index(promise) for v in self.visits)
        return late and not checked

    def promise_taker(self) -> str | None:
        """Who took the promise to check today, if one is due or broken."""
        if self.holds() or not self.mandatory():
            return None
        return self._last("promise_to_pay")["collector"]

    def factor(self) -> float:
        """The broken-promise factor to the power of the promises broken so far."""
        promises = [v for v in self.visits if v["outcome"] == "promise_to_pay"]
        broken = 0
        for k, p in enumerate(promises):
            due = date.fromisoformat(p["promised_for"])
            if k + 1 < len(promises) and promises[k + 1]["day"] <= due:
                continue  # renegotiated before it fell due
            if due + timedelta(self.rules["promise_grace_days"]) < self.day and not self._kept(p):
                broken += 1
        return self.rules["broken_promise_factor"] ** broken

    def skills(self) -> set[str]:
        complaint = self._last("complaint")
        if complaint and self.rules["complaint_hold_days"] <= self._age(complaint) \
                < self.rules["complaint_senior_days"]:
            return {self.rules["senior_skill"]}
        return set()

    def owner_skills(self) -> set[str]:
        """Skills the owner of the case needs: a senior, until the senior period after a
        complaint ends (the hold included)."""
        complaint = self._last("complaint")
        if complaint and self._age(complaint) < self.rules["complaint_senior_days"]:
            return {self.rules["senior_skill"]}
        return set()

    def keeper(self) -> str | None:
        """Who took the latest promise, while it is not kept."""
        promise = self._last("promise_to_pay")
        return None if promise is None or self._kept(promise) else promise["collector"]

    def last_visit(self) -> date | None:
        return self.visits[-1]["day"] if self.visits else None

    def untried_parts(self) -> list[tuple[float, float]] | None:
        """After nobody was at home (the latest visits, this week, on a weekday), the parts of
        today not yet tried, as timestamps; ``None`` when any time will do."""
        if self.day.weekday() >= 5:
            return None
        tried = set()
        for v in reversed(self.visits):
            if v["outcome"] != "not_home" or self._age(v) >= 7:
                break
            clock = v["local"].time()
            tried |= {k for k, (a, b) in enumerate(PARTS) if a <= clock < b}
        left = [p for k, p in enumerate(PARTS) if k not in tried]
        if not tried or not left:
            return None
        return [(datetime.combine(self.day, a, self.zone).timestamp(),
                 datetime.combine(self.day, b, self.zone).timestamp()) for a, b in left]
