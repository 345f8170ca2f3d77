"""An independent checker of day plans: recomputes everything from the request JSON.

It shares no code with the engine's timing or screening: travel comes from geopy's geodesic
distance (or the request's own matrix), legal hours from the clock in the debtor's time zone, and a
small scheduler of its own re-times routes to test insertions. Only the coordinate-datum formula is
borrowed from the engine (it is tested on its own against published points).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from geopy.distance import geodesic

from common.geo import to_wgs84
from verify.follow_up import FollowUp

HOLDS = {"case_closed", "address_unverified", "dispute_under_review",
         "on_hold_after_complaint", "promise_pending", "contact_cap_reached",
         "attempts_exhausted"}

LEGAL = {"china": (time(8), time(22)), "us_fdcpa": (time(8), time(21))}
REL_TOL, ABS_TOL = 0.005, 2  # engine legs are Lambert-approximated and rounded to whole seconds


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@dataclass
class Stop:
    loc: object
    windows: list[tuple[float, float]]  # service must start and end inside one of these
    service: float


class Checker:
    """Wraps one request; :meth:`check` returns the list of violations of a response."""

    def __init__(self, request: dict) -> None:
        self.req = request
        self.day = date.fromisoformat(request["date"])
        self.zone = ZoneInfo(request["timezone"])
        self.policy = request.get("policy", {})
        self.travel = request.get("travel", {})
        self.customers = {c["id"]: c for c in request["customers"]}
        self.collectors = {c["id"]: c for c in request["collectors"]}
        self.follow = {
            c["id"]: FollowUp(c, self.day, ZoneInfo(c.get("timezone") or request["timezone"]),
                              self.policy.get("follow_up", {}))
            for c in request["customers"] if "history" in c or "address_updated" in c}
        self._points: dict[int, tuple[float, float]] = {}
        self._legs: dict[tuple, float] = {}

    # -- travel -------------------------------------------------------------------------
    def point(self, loc: dict) -> tuple[float, float]:
        system = loc.get("coordinate_system") or self.travel.get("coordinate_system", "wgs84")
        if system == "wgs84":
            return loc["lat"], loc["lon"]
        lat, lon = to_wgs84(loc["lat"], loc["lon"], system)
        return float(lat), float(lon)

    def leg(self, a: dict, b: dict) -> float:
        """Travel seconds from location ``a`` to ``b``."""
        matrix = self.travel.get("matrix")
        if matrix:
            return matrix["durations"][a["matrix_index"]][b["matrix_index"]]
        ends = (self.point(a), self.point(b))
        if ends not in self._legs:  # the same pair is asked for again and again
            metres = geodesic(*ends).meters * self.travel.get("detour_factor", 1.3)
            self._legs[ends] = metres / (self.travel.get("speed_kmh", 25.0) / 3.6)
        return self._legs[ends]

    # -- rules --------------------------------------------------------------------------
    def legal_window(self, customer: dict) -> tuple[float, float]:
        hours = self.policy.get("legal_hours", "china")
        start, end = LEGAL[hours] if isinstance(hours, str) else (
            time.fromisoformat(hours["start"]), time.fromisoformat(hours["end"]))
        zone = ZoneInfo(customer.get("timezone") or self.req["timezone"])
        end_day = self.day + timedelta(days=1) if end == time(0) else self.day
        return (datetime.combine(self.day, start, zone).timestamp(),
                datetime.combine(end_day, end, zone).timestamp())

    def on_the_day(self, customer: dict) -> bool:
        """Whether the customer's own windows (if any) touch the plan's day."""
        zone = ZoneInfo(self.req["timezone"])
        lo = datetime.combine(self.day, time(0), zone).timestamp()
        hi = datetime.combine(self.day + timedelta(days=1), time(0), zone).timestamp()
        own = customer.get("time_windows") or []
        return not own or any(ts(w["start"]) < hi and ts(w["end"]) > lo for w in own)

    def windows(self, customer: dict) -> list[tuple[float, float]]:
        """The customer's windows cut to legal hours (and, after nobody was at home, to the
        parts of the day not yet tried, where those leave room for the visit)."""
        lo, hi = self.legal_window(customer)
        own = [(ts(w["start"]), ts(w["end"])) for w in customer.get("time_windows") or []] or [
            (float("-inf"), float("inf"))]
        follow = self.follow.get(customer["id"])
        parts = follow.untried_parts() if follow else None
        if parts:
            service = customer.get("service_seconds", 900)
            meet = [(max(a, c), min(b, d)) for a, b in own for c, d in parts
                    if min(b, d) - max(a, c) >= service]
            own = meet or own
        return [(max(a, lo), min(b, hi)) for a, b in own if max(a, lo) < min(b, hi)]

    def resting(self, customer: dict) -> bool:
        days = [date.fromisoformat(customer["last_visit"])] if customer.get("last_visit") else []
        follow = self.follow.get(customer["id"])
        if follow and follow.last_visit():
            days.append(follow.last_visit())
        return bool(days) and (self.day - max(days)).days < self.policy.get("min_rest_days", 0)

    def held(self, customer: dict) -> set[str]:
        """The follow-up holds true for the customer today."""
        follow = self.follow.get(customer["id"])
        return follow.holds() if follow else set()

    def mandatory(self, customer: dict) -> bool:
        follow = self.follow.get(customer["id"])
        return customer.get("mandatory", False) or bool(
            follow and not follow.holds() and follow.mandatory())

    def able(self, collector: dict, customer: dict) -> bool:
        allowed = customer.get("allowed_collectors")
        follow = self.follow.get(customer["id"])
        skills = set(customer.get("required_skills", [])) | (follow.skills() if follow else set())
        taker = follow.promise_taker() if follow else None
        if taker in self.collectors and (allowed is None or taker in allowed):
            allowed = [taker]
        return (skills <= set(collector.get("skills", []))
                and (allowed is None or collector["id"] in allowed)
                and (not customer.get("needs_two_person") or collector.get("crew_size", 1) >= 2)
                and collector.get("max_visits", 1) != 0)

    def value(self, customer: dict) -> float:
        follow = self.follow.get(customer["id"])
        factor = follow.factor() if follow else 1.0
        if customer.get("value") is not None:
            return customer["value"] * factor
        return customer["balance"] * customer["probability_to_pay"] * factor

    # -- an independent scheduler --------------------------------------------------------
    def feasible(self, collector: dict, ids: list[str], *, strict: bool = False) -> bool:
        """Can ``collector`` visit ``ids`` in this order? Tries the break in every gap.

        Travel is measured with a small tolerance: in the plan's favour by default, against it
        with ``strict`` (used to refute the engine's claim that something does not fit)."""
        if collector.get("max_visits") is not None and len(ids) > collector["max_visits"]:
            return False
        start, end = collector["start"], collector.get("end") or collector["start"]
        stops = [Stop(self.customers[i]["location"], self.windows(self.customers[i]),
                      self.customers[i].get("service_seconds", 900)) for i in ids]
        locs = [start, *(s.loc for s in stops), end]
        legs = [self.leg(a, b) for a, b in zip(locs, locs[1:])]
        cap = collector.get("max_travel_seconds")
        sign = 1 if strict else -1
        legs = [leg * (1 + sign * REL_TOL) + sign * ABS_TOL for leg in legs]
        if cap is not None and sum(legs) > cap:
            return False
        brk = collector.get("lunch_break")
        gaps = [None] if brk is None else range(len(stops) + 1)
        return any(self._forward(collector, stops, legs, g) for g in gaps)

    def _forward(self, collector, stops, legs, gap) -> bool:
        brk = collector.get("lunch_break")
        t = ts(collector["shift"]["start"])
        for k in range(len(stops) + 1):
            ready = t + legs[k]
            if gap == k:
                e, latest, dur = ts(brk["earliest_start"]), ts(brk["latest_end"]), brk[
                    "duration_seconds"]
                if max(t, e) + dur > latest:
                    return False
                ready = max(ready, e) + dur
            if k == len(stops):
                return ready <= ts(collector["shift"]["end"])
            stop = stops[k]
            starts = [max(ready, a) for a, b in stop.windows if max(ready, a) + stop.service <= b]
            if not starts:
                return False
            t = min(starts) + stop.service
        return True

    # -- the checks -----------------------------------------------------------------------
    def check(self, response: dict) -> list[str]:
        bad: list[str] = []
        seen: set[str] = set()
        for route in response["routes"]:
            bad += self._check_route(route, seen)
        unassigned = {u["customer_id"]: u for u in response["unassigned"]}
        if seen & set(unassigned):
            bad.append(f"planned and unassigned: {sorted(seen & set(unassigned))}")
        missing = set(self.customers) - seen - set(unassigned)
        if missing:
            bad.append(f"customers neither planned nor unassigned: {sorted(missing)}")
        for kid, u in unassigned.items():
            if kid in self.customers and u["mandatory"] != self.mandatory(self.customers[kid]):
                bad.append(f"{kid}: unassigned with mandatory={u['mandatory']}, which is wrong")
        missed = any(u["mandatory"] for u in unassigned.values())
        if (response["status"] == "mandatory_missed") != missed:
            bad.append(f"status {response['status']} but mandatory missed = {missed}")
        if response["summary"]["visits"] != len(seen):
            bad.append("summary visits do not add up")
        value = sum(self.value(self.customers[i]) for i in seen)
        if abs(response["summary"]["value"] - value) > 0.01 * max(1, len(seen)):
            bad.append(f"summary value {response['summary']['value']} != {value}")
        return bad

    def check_route(self, route: dict, seen: set[str]) -> list[str]:
        """Violations of one route; its customers are added to ``seen`` (a customer already
        in it is visited twice)."""
        return self._check_route(route, seen)

    def _check_route(self, route: dict, seen: set[str]) -> list[str]:
        bad = []
        cid = route["collector_id"]
        collector = self.collectors.get(cid)
        if collector is None:
            return [f"unknown collector {cid}"]
        steps = route["steps"]
        kinds = [s["type"] for s in steps]
        if kinds[0] != "start" or kinds[-1] != "end" or "start" in kinds[1:] or "end" in kinds[:-1]:
            bad.append(f"{cid}: steps must run start ... end, got {kinds}")
        shift_start, shift_end = ts(collector["shift"]["start"]), ts(collector["shift"]["end"])
        if ts(steps[0]["service_start"]) < shift_start - 1e-6:
            bad.append(f"{cid}: leaves before the shift starts")
        if ts(steps[-1]["arrival"]) > shift_end + 1e-6:
            bad.append(f"{cid}: back after the shift ends")
        visits = [s for s in steps if s["type"] == "visit"]
        if collector.get("max_visits") is not None and len(visits) > collector["max_visits"]:
            bad.append(f"{cid}: {len(visits)} visits > max {collector['max_visits']}")
        brk = collector.get("lunch_break")
        breaks = [s for s in steps if s["type"] == "break"]
        if brk is not None and len(breaks) != 1:
            bad.append(f"{cid}: takes {len(breaks)} breaks, needs exactly one")
        for b in breaks:
            if brk is None:
                bad.append(f"{cid}: a break nobody asked for")
                continue
            if (ts(b["service_start"]) < ts(brk["earliest_start"]) - 1e-6
                    or ts(b["service_end"]) > ts(brk["latest_end"]) + 1e-6
                    or abs(ts(b["service_end"]) - ts(b["service_start"]) - brk["duration_seconds"]) > 1e-6):
                bad.append(f"{cid}: break outside its window or of the wrong length")
        start_loc = collector["start"]
        end_loc = collector.get("end") or collector["start"]
        prev_loc, prev_free = start_loc, ts(steps[0]["service_start"])
        pending_break = 0.0
        travel = 0.0
        for step in steps[1:]:
            if step["type"] == "break":
                if ts(step["service_start"]) < prev_free - 1e-6:
                    bad.append(f"{cid}: break overlaps a visit")
                pending_break += ts(step["service_end"]) - ts(step["service_start"])
                continue
            if step["type"] == "visit":
                cust = self.customers.get(step["customer_id"])
                if cust is None:
                    bad.append(f"{cid}: unknown customer {step['customer_id']}")
                    continue
                bad += self._check_visit(collector, cust, step, seen)
                loc, begin = cust["location"], ts(step["service_start"])
            else:
                loc, begin = end_loc, ts(step["arrival"])
            leg = self.leg(prev_loc, loc)
            travel += leg
            if begin - prev_free + 1e-6 < leg * (1 - REL_TOL) - ABS_TOL + pending_break:
                bad.append(f"{cid}: {begin - prev_free:.0f} s to reach {step.get('customer_id') or 'the end'}"
                           f" needs {leg:.0f} s travel + {pending_break:.0f} s break")
            pending_break = 0.0
            prev_loc = loc
            prev_free = ts(step["service_end"]) if step["type"] == "visit" else begin
        cap = collector.get("max_travel_seconds")
        if cap is not None and travel > cap * (1 + REL_TOL) + ABS_TOL * len(steps):
            bad.append(f"{cid}: drives {travel:.0f} s > cap {cap}")
        return bad

    def _check_visit(self, collector, cust, step, seen) -> list[str]:
        bad = []
        cid, kid = collector["id"], cust["id"]
        if kid in seen:
            bad.append(f"{kid} visited twice")
        seen.add(kid)
        begin, end = ts(step["service_start"]), ts(step["service_end"])
        if abs(end - begin - cust.get("service_seconds", 900)) > 1e-6:
            bad.append(f"{kid}: service lasts {end - begin} s")
        if not any(a - 1e-6 <= begin and end <= b + 1e-6 for a, b in self.windows(cust)):
            bad.append(f"{kid}: visit {step['service_start']}..{step['service_end']} outside its "
                       f"windows or legal hours")
        if not self.able(collector, cust):
            bad.append(f"{kid}: {cid} lacks skills, permission or crew")
        if self.resting(cust):
            bad.append(f"{kid}: visited while resting")
        if self.held(cust):
            bad.append(f"{kid}: visited while held out ({', '.join(sorted(self.held(cust)))})")
        return bad

    # -- reasons ---------------------------------------------------------------------------
    def reason_is_true(self, response: dict, customer_id: str) -> str | None:
        """None if the reason given for ``customer_id`` holds, else what is wrong."""
        u = next(u for u in response["unassigned"] if u["customer_id"] == customer_id)
        reason, cust = u["reason"], self.customers[customer_id]
        if reason == "address_not_found":
            unfound = cust.get("location") is None and cust.get("geocode_match") == "none"
            return None if unfound else "the customer has a location, or was never geocoded"
        holds = self.held(cust)
        if reason in HOLDS:
            return None if reason in holds else f"{reason} is not true (true holds: {holds})"
        if holds:
            return f"held out ({', '.join(sorted(holds))}), so the reason would say so"
        collectors = list(self.collectors.values())
        able = [k for k in collectors if self.able(k, cust)]
        windows = self.windows(cust)
        service = cust.get("service_seconds", 900)
        if reason == "resting_after_recent_visit":
            return None if self.resting(cust) else "not resting"
        if reason == "outside_legal_hours":
            if not self.on_the_day(cust):
                return "no window on the plan's day: not a matter of legal hours"
            fits = any(b - a >= service for a, b in windows)
            return None if not fits else "a legal window fits"
        if reason == "needs_two_person_crew":
            crews = [k for k in collectors if k.get("crew_size", 1) >= 2
                     and (cust.get("allowed_collectors") is None
                          or k["id"] in cust["allowed_collectors"])]
            return None if cust.get("needs_two_person") and not crews else "a crew could go"
        if reason == "no_collector_with_skills":
            return None if not able else f"{able[0]['id']} could go"
        if reason == "no_window_fits_shift":
            for k in able:
                lo, hi = ts(k["shift"]["start"]), ts(k["shift"]["end"])
                if any(min(b, hi) - max(a, lo) >= service for a, b in windows):
                    return f"fits the shift of {k['id']}"
            return None
        if reason == "unreachable_in_time":
            ok = [k["id"] for k in able if self.feasible(k, [customer_id], strict=True)]
            return None if not ok else f"{ok[0]} can reach it alone"
        if reason in ("day_full", "not_worth_the_trip"):
            if not any(self.feasible(k, [customer_id]) for k in able):
                return "not reachable even alone"
            return self._insertion_claim(response, cust, able, reason)
        return f"unknown reason {reason}"

    def _insertion_claim(self, response, cust, able, reason) -> str | None:
        routes = {r["collector_id"]: [s["customer_id"] for s in r["steps"] if s["type"] == "visit"]
                  for r in response["routes"]}
        cost_per_s = self.policy.get("travel_cost_per_hour", 30.0) / 3600
        bonus = self.policy.get("preferred_collector_bonus", 0.0)
        fits_surely = fits_maybe = False
        for k in able:
            route = routes.get(k["id"], [])
            locs = ([k["start"]] + [self.customers[i]["location"] for i in route]
                    + [k.get("end") or k["start"]])
            for pos in range(len(route) + 1):
                trial = route[:pos] + [cust["id"]] + route[pos:]
                if not self.feasible(k, trial):
                    continue
                fits_maybe = True
                if not self.feasible(k, trial, strict=True):
                    continue
                fits_surely = True
                extra = (self.leg(locs[pos], cust["location"])
                         + self.leg(cust["location"], locs[pos + 1])
                         - self.leg(locs[pos], locs[pos + 1]))
                gain = self.value(cust) + (bonus if cust.get("preferred_collector") == k["id"] else 0)
                if gain - extra * cost_per_s * (1 + REL_TOL) > 0.01:
                    return f"fits profitably into {k['id']} at {pos}"
        if reason == "day_full" and fits_surely:
            return "fits into a route, so the day is not full"
        if reason == "not_worth_the_trip" and not fits_maybe:
            return "fits nowhere, so the reason would be day_full"
        return None
