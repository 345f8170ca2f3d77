"""An independent checker of week plans, from the JSON alone.

Each day's routes are checked by the day plan checker (:mod:`verify.day_plan`) against that
day as a day request: the collectors' shifts of that day, legal hours, windows, caps, skills,
rest counted to that day (``min_rest_days`` since the last visit) and the follow-up holds of
that day. Across the week: a customer is visited at most once, a customer due on a day only on
that day, every mandatory customer planned or listed, every customer planned or listed with a
reason, and rest and holds true on every day for those listed as resting or held. The
objective is recomputed with its own travel times and the day discount.
"""

from __future__ import annotations

from datetime import date

from verify.day_plan import HOLDS, Checker


class WeekChecker:
    """Wraps one week request; :meth:`check` returns the violations of a week response."""

    def __init__(self, request: dict) -> None:
        self.req = request
        self.days = [date.fromisoformat(d) for d in request["days"]]
        self.discount = request.get("policy", {}).get("discount_per_day", 0.01)
        self.customers = {c["id"]: c for c in request["customers"]}
        self.checkers = {d: Checker(self.day_request(d)) for d in self.days}

    def day_request(self, day: date) -> dict:
        """The day ``day`` as a day request (every customer; mandatory if due that day)."""
        collectors = []
        for c in self.req["collectors"]:
            for s in c["shifts"]:
                if date.fromisoformat(s["date"]) == day:
                    body = {k: v for k, v in c.items() if k != "shifts"}
                    body["shift"] = s["shift"]
                    if s.get("lunch_break"):
                        body["lunch_break"] = s["lunch_break"]
                    collectors.append(body)
        customers = []
        for c in self.req["customers"]:
            body = {k: v for k, v in c.items() if k != "due_on"}
            body["mandatory"] = c.get("mandatory", False) or c.get("due_on") == day.isoformat()
            customers.append(body)
        policy = {k: v for k, v in self.req.get("policy", {}).items() if k != "discount_per_day"}
        return {**self.req, "date": day.isoformat(), "collectors": collectors,
                "customers": customers, "policy": policy}

    def check(self, response: dict, *, complete: bool = True) -> list[str]:
        """Violations of ``response``; with ``complete`` also that every customer is planned
        or listed with a true reason (a plan of the days one at a time lists none)."""
        bad: list[str] = []
        seen: set[str] = set()
        planned_on: dict[str, date] = {}
        for entry in response["days"]:
            day = date.fromisoformat(entry["date"])
            checker = self.checkers.get(day)
            if checker is None:
                bad.append(f"{day}: not a day of the week")
                continue
            for route in entry["plan"]["routes"]:
                bad += [f"{day}: {v}" for v in checker.check_route(route, seen)]
                for s in route["steps"]:
                    if s["type"] == "visit":
                        planned_on[s["customer_id"]] = day
        for cid, day in planned_on.items():
            due = self.customers[cid].get("due_on")
            if due is not None and due != day.isoformat():
                bad.append(f"{cid}: due on {due}, visited on {day}")
        if complete:
            bad += self._listed(response, set(planned_on))
        return bad

    def _listed(self, response: dict, planned: set[str]) -> list[str]:
        bad = []
        unassigned = {u["customer_id"]: u for u in response["unassigned"]}
        missing = set(self.customers) - planned - set(unassigned)
        if missing:
            bad.append(f"neither planned nor listed: {sorted(missing)}")
        for cid, u in unassigned.items():
            c = self.customers[cid]
            must = c.get("mandatory", False) or c.get("due_on") is not None
            if u["mandatory"] != must:
                bad.append(f"{cid}: listed with mandatory={u['mandatory']}, which is wrong")
            days = ([self.checkers[date.fromisoformat(c["due_on"])]] if c.get("due_on")
                    else list(self.checkers.values()))
            # Only the days the customer could be met count (a window on that day, if any).
            days = [k for k in days if k.on_the_day(k.customers[cid])]
            if u["reason"] == "resting_after_recent_visit" and not all(
                    k.resting(k.customers[cid]) for k in days):
                bad.append(f"{cid}: listed as resting, but not resting on every day with a "
                           "window")
            if u["reason"] in HOLDS and not all(u["reason"] in k.held(k.customers[cid])
                                                for k in days):
                bad.append(f"{cid}: listed as {u['reason']}, which does not hold every day")
        missed = any(u["mandatory"] for u in unassigned.values())
        if (response["status"] == "mandatory_missed") != missed:
            bad.append(f"status {response['status']} but mandatory missed = {missed}")
        return bad

    def objective(self, response: dict) -> float:
        """Value earned (each day's at its share) minus the cost of travel, recomputed."""
        value, travel = self.earned(response)
        return value - travel

    def earned(self, response: dict) -> tuple[float, float]:
        """The value earned (each day's at its share) and the cost of travel, recomputed."""
        cost = self.req.get("policy", {}).get("travel_cost_per_hour", 30.0)
        value = travel = 0.0
        for entry in response["days"]:
            day = date.fromisoformat(entry["date"])
            checker = self.checkers[day]
            share = (1 - self.discount) ** self.days.index(day)
            for route in entry["plan"]["routes"]:
                collector = checker.collectors[route["collector_id"]]
                stops = [collector["start"]]
                for s in route["steps"]:
                    if s["type"] == "visit":
                        customer = checker.customers[s["customer_id"]]
                        value += share * checker.value(customer)
                        stops.append(customer["location"])
                stops.append(collector.get("end") or collector["start"])
                seconds = sum(checker.leg(a, b) for a, b in zip(stops, stops[1:], strict=False))
                travel += seconds * cost / 3600
        return value, travel
