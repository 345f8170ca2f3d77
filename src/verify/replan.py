"""An independent checker of re-plans, from the JSON alone.

It works out on its own where and when each collector goes on (the latest of the shift's start,
the end of their last fixed visit, their reported position, and now), then checks:

- every visit done or under way is in the new plan as it happened (same collector, same times);
- a collector who stopped gets no new visit;
- the rest of each route is a feasible day from that restart, by the day plan checker
  (:mod:`verify.day_plan`: travel, windows, legal hours, shift, break, caps, skills, holds),
  and every customer left out has a true reason there;
- the list of changes is the diff of the two plans.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from verify.day_plan import Checker, ts


class ReplanChecker:
    """Wraps the day's request as it now stands, the plan before and the events."""

    def __init__(self, request: dict, previous: dict, events: dict) -> None:
        self.request, self.previous, self.events = request, previous, events
        self.zone = ZoneInfo(request["timezone"])
        self.day = Checker(request)
        self.now = ts(events["at"])
        self.fixed = self._fixed()

    def _fixed(self) -> dict[str, dict]:
        """Customer id -> the visit as it happened (collector, times, state)."""
        fixed = {}
        for route in self.previous["routes"]:
            for s in route["steps"]:
                if s["type"] == "visit" and s.get("state", "planned") != "planned":
                    fixed[s["customer_id"]] = {
                        "collector": route["collector_id"], "state": s["state"],
                        "start": ts(s["service_start"]), "end": ts(s["service_end"])}
        for d in self.events.get("done", []):
            fixed[d["customer_id"]] = {"collector": d["collector_id"], "state": "done",
                                       "start": ts(d["service_start"]),
                                       "end": ts(d["service_end"])}
        for u in self.events.get("under_way", []):
            service = self.day.customers[u["customer_id"]].get("service_seconds", 900)
            end = ts(u["expected_end"]) if u.get("expected_end") else ts(
                u["service_start"]) + service
            fixed[u["customer_id"]] = {"collector": u["collector_id"], "state": "under_way",
                                       "start": ts(u["service_start"]), "end": end}
        return fixed

    def check(self, response: dict) -> list[str]:
        bad = self._check_fixed(response)
        rest_request, rest_response = self.rest(response)
        rest = Checker(rest_request)
        bad += [f"rest of the day: {v}" for v in rest.check(rest_response)]
        for u in rest_response["unassigned"]:
            wrong = rest.reason_is_true(rest_response, u["customer_id"])
            if wrong is not None:
                bad.append(f"{u['customer_id']}: {u['reason']} is not true: {wrong}")
        expected = self.diff(response)
        given = sorted((c["collector_id"], c["change"], c["customer_id"])
                       for c in response["changes"])
        if given != expected:
            bad.append(f"changes {given} are not the diff of the plans {expected}")
        return bad

    def _check_fixed(self, response: dict) -> list[str]:
        bad = []
        steps = {s["customer_id"]: (r["collector_id"], s) for r in response["routes"]
                 for s in r["steps"] if s["type"] == "visit"}
        for cid, f in self.fixed.items():
            found = steps.get(cid)
            if found is None:
                bad.append(f"{cid}: {f['state']} but not in the new plan")
                continue
            who, s = found
            if (who != f["collector"] or s.get("state") != f["state"]
                    or abs(ts(s["service_start"]) - f["start"]) > 1
                    or abs(ts(s["service_end"]) - f["end"]) > 1):
                bad.append(f"{cid}: {f['state']} visit moved or changed")
        for r in response["routes"]:
            if r["collector_id"] in self.events.get("stopped", []) and any(
                    s.get("state", "planned") == "planned" for s in r["steps"]
                    if s["type"] == "visit"):
                bad.append(f"{r['collector_id']} stopped but has new visits")
        return bad

    def restart(self, collector: dict) -> tuple[dict, float, float]:
        """(location, time, seconds driven before) from which ``collector`` goes on."""
        cid = collector["id"]
        where, when = collector["start"], ts(collector["shift"]["start"])
        path = [collector["start"]]
        for kid, f in sorted(self.fixed.items(), key=lambda kv: kv[1]["start"]):
            if f["collector"] == cid:
                path.append(self.day.customers[kid]["location"])
                if f["end"] >= when:
                    where, when = path[-1], f["end"]
        reported = False
        for p in self.events.get("positions", []):
            if p["collector_id"] == cid and ts(p["at"]) >= when:
                where, when, reported = p["location"], ts(p["at"]), True
        if reported:
            path.append(where)
        driven = sum(self.day.leg(a, b) for a, b in pairwise(path))
        return where, max(when, self.now), driven

    def rest(self, response: dict) -> tuple[dict, dict]:
        """The rest of the day as a request of its own, and the new plan's part of it."""
        stopped = set(self.events.get("stopped", []))
        taken = set(self.events.get("breaks_taken", []))
        collectors, starts = [], {}
        for c in self.request["collectors"]:
            if c["id"] in stopped:
                continue
            where, when, driven = self.restart(c)
            shift_end = ts(c["shift"]["end"])
            when = min(when, shift_end)
            starts[c["id"]] = when
            made = sum(f["collector"] == c["id"] for f in self.fixed.values())
            rest = {**c, "start": where, "end": c.get("end") or c["start"],
                    "shift": {"start": self._iso(when), "end": c["shift"]["end"]}}
            brk = c.get("lunch_break")
            if brk is not None:
                earliest = max(ts(brk["earliest_start"]), when)
                if c["id"] in taken or ts(brk["latest_end"]) - earliest < brk["duration_seconds"]:
                    rest.pop("lunch_break")
                else:
                    rest["lunch_break"] = {**brk, "earliest_start": self._iso(earliest)}
            if c.get("max_visits") is not None:
                rest["max_visits"] = max(0, c["max_visits"] - made)
            if c.get("max_travel_seconds") is not None:
                rest["max_travel_seconds"] = max(0, c["max_travel_seconds"] - driven)
            collectors.append(rest)
        working = {c["id"] for c in collectors}
        customers = []
        for c in self.request["customers"]:
            if c["id"] in self.fixed:
                continue
            c = dict(c)
            if c.get("allowed_collectors") is not None:
                c["allowed_collectors"] = [k for k in c["allowed_collectors"] if k in working]
            if c.get("preferred_collector") not in working:
                c.pop("preferred_collector", None)
            customers.append(c)
        request = {**self.request, "collectors": collectors, "customers": customers}
        routes = []
        for r in response["routes"]:
            if r["collector_id"] not in working:
                continue
            later = [s for s in r["steps"] if s["type"] in ("visit", "break", "end")
                     and s.get("state", "planned") == "planned"]
            if not any(s["type"] == "visit" for s in later):
                continue
            begin = self._iso(starts[r["collector_id"]])
            routes.append({**r, "steps": [{"type": "start", "arrival": begin,
                                           "service_start": begin, "service_end": begin},
                                          *later]})
        planned = [s["customer_id"] for r in routes for s in r["steps"] if s["type"] == "visit"]
        value = sum(self.day.value(self.day.customers[k]) for k in self.fixed
                    if k in self.day.customers)
        summary = {**response["summary"], "visits": len(planned),
                   "value": response["summary"]["value"] - value}
        return request, {**response, "routes": routes, "summary": summary}

    def diff(self, response: dict) -> list[tuple[str, str, str]]:
        """(collector, change, customer) from the previous plan to ``response``."""
        def planned(plan: dict, only_planned: bool) -> dict[str, tuple[str, float]]:
            return {s["customer_id"]: (r["collector_id"], ts(s["service_start"]))
                    for r in plan["routes"] for s in r["steps"] if s["type"] == "visit"
                    and (not only_planned or s.get("state", "planned") == "planned")}

        before, after = planned(self.previous, False), planned(response, True)
        limit = self.events.get("retime_minutes", 15) * 60
        out = []
        for kid, (who, start) in after.items():
            if kid not in before:
                out.append((who, "added", kid))
            elif before[kid][0] != who:
                out += [(who, "moved_in", kid), (before[kid][0], "moved_out", kid)]
            elif abs(start - before[kid][1]) > limit:
                out.append((who, "retimed", kid))
        out += [(who, "removed", kid) for kid, (who, _) in before.items()
                if kid not in after and kid not in self.fixed]
        return sorted(out)

    def _iso(self, seconds: float) -> str:
        return datetime.fromtimestamp(seconds, self.zone).isoformat()
