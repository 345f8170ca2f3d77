"""An independent checker of allocations: recomputes eligibility, loads, capacities, the
reassignment cap and every reason from the request JSON (geopy for distances, the documented
bucket table for workloads), never from the engine's numbers."""

from __future__ import annotations

import math
from datetime import date
from zoneinfo import ZoneInfo

from geopy.distance import geodesic

from verify.follow_up import FollowUp

WORKLOAD_MINUTES = {"M1": 60, "M2": 90, "M3": 120, "M4": 150, "M5": 180, "M6+": 210}
TOL = 0.005


def bucket(case: dict) -> str:
    if case.get("bucket"):
        return case["bucket"]
    return ["M1", "M2", "M3", "M4", "M5", "M6+"][min(5, (case["days_past_due"] - 1) // 30)]


OUT_OF_FIELD = {"case_closed", "address_unverified"}


class AllocationChecker:
    def __init__(self, request: dict) -> None:
        self.req = request
        self.policy = request.get("policy", {})
        self.collectors = {k["id"]: k for k in request["collectors"]}
        self.holds: dict[str, set[str]] = {}
        self.cases = {c["id"]: self._followed_up(c) for c in request["cases"]}

    def _followed_up(self, case: dict) -> dict:
        """The case as its visit history shapes it (read apart by ``verify.follow_up``)."""
        if "history" not in case and "address_updated" not in case:
            return case
        follow = FollowUp(case, date.fromisoformat(self.req["date"]),
                          ZoneInfo(self.req.get("timezone", "Asia/Shanghai")),
                          self.policy.get("follow_up", {}))
        self.holds[case["id"]] = follow.holds()
        keeper = follow.keeper()
        shaped = {**case, "expected_value": self.value(case) * follow.factor(),
                  "required_skills": sorted(set(case.get("required_skills", []))
                                            | follow.owner_skills()),
                  "mandatory": case.get("mandatory", False) or (
                      not follow.holds() and follow.mandatory())}
        if keeper in self.collectors and keeper not in case.get("excluded_collectors", []):
            shaped["current_collector"] = keeper
        return shaped

    def out_of_field(self, case_id: str) -> bool:
        return bool(self.holds.get(case_id, set()) & OUT_OF_FIELD)

    def minutes(self, case: dict) -> float:
        hours = case.get("workload_hours")
        return WORKLOAD_MINUTES[bucket(case)] if hours is None else round(hours * 60)

    def value(self, case: dict) -> float:
        if case.get("expected_value") is not None:
            return case["expected_value"]
        return case["balance"] * case["probability_to_pay"]

    def skills(self, case: dict) -> set[str]:
        needed = set(case.get("required_skills", []))
        if case["balance"] >= self.policy.get("senior_balance", 50_000):
            needed.add("senior")
        return needed

    def metres(self, case: dict, collector: dict) -> float:
        d = geodesic((case["location"]["lat"], case["location"]["lon"]),
                     (collector["base"]["lat"], collector["base"]["lon"])).meters
        return d * self.policy.get("detour_factor", 1.3)

    def in_reach(self, case: dict, collector: dict, slack: float = 0.0) -> bool:
        limit = self.policy.get("max_distance_km")
        return limit is None or self.metres(case, collector) <= limit * 1000 * (1 + slack)

    def skilled(self, case: dict, collector: dict) -> bool:
        regions = collector.get("regions")
        return (self.skills(case) <= set(collector.get("skills", []))
                and (regions is None or case.get("region") is None or case["region"] in regions))

    def eligible(self, case: dict, collector: dict, slack: float = 0.0) -> bool:
        return (self.skilled(case, collector) and self.in_reach(case, collector, slack)
                and collector["id"] not in case.get("excluded_collectors", []))

    def burden(self, case: dict, collector: dict) -> float:
        hours = 2 * self.metres(case, collector) / (self.policy.get("speed_kmh", 25.0) * 1000)
        return hours * self.policy.get("travel_cost_per_hour", 30.0)

    # ------------------------------------------------------------------------------------
    def check(self, response: dict) -> list[str]:
        bad = []
        owner = {a["case_id"]: a["collector_id"] for a in response["allocations"]}
        left = {u["case_id"] for u in response["unallocated"]}
        if len(owner) != len(response["allocations"]):
            bad.append("a case is allocated twice")
        if set(owner) & left or set(owner) | left != set(self.cases):
            bad.append("every case must be allocated or unallocated, exactly once")
        count = {k: 0 for k in self.collectors}
        minutes = {k: 0.0 for k in self.collectors}
        for cid, kid in owner.items():
            case, collector = self.cases[cid], self.collectors.get(kid)
            if collector is None:
                bad.append(f"{cid}: unknown collector {kid}")
                continue
            if self.out_of_field(cid):
                bad.append(f"{cid}: allocated, but out of the field "
                           f"({', '.join(sorted(self.holds[cid] & OUT_OF_FIELD))})")
            if not self.eligible(case, collector, slack=TOL):
                bad.append(f"{cid}: {kid} is not eligible (skills, territory, reach, exclusion)")
            count[kid] += 1
            minutes[kid] += self.minutes(case)
        for kid, k in self.collectors.items():
            if k.get("capacity_cases") is not None and count[kid] + k.get(
                    "current_cases", 0) > k["capacity_cases"]:
                bad.append(f"{kid}: {count[kid]} cases over capacity")
            if k.get("capacity_hours") is not None and (
                    minutes[kid] + round(k.get("current_hours", 0) * 60)
                    > round(k["capacity_hours"] * 60)):
                bad.append(f"{kid}: {minutes[kid] / 60:.2f} h over capacity")
        share = self.policy.get("max_reassignment_share")
        with_current = [c for c in self.cases.values() if c.get("current_collector")
                        and not self.out_of_field(c["id"])]
        moved = sum(1 for c in with_current if c["id"] in owner
                    and owner[c["id"]] != c["current_collector"])
        if share is not None and moved > math.floor(share * len(with_current)):
            bad.append(f"{moved} cases change hands, cap {math.floor(share * len(with_current))}")
        if response["summary"]["reassigned"] != moved:
            bad.append("reassigned count does not add up")
        for k in response["collectors"]:
            kid = k["collector_id"]
            own = minutes[kid] + round(self.collectors[kid].get("current_hours", 0) * 60)
            if abs(k["workload_hours"] * 60 - own) > 0.1 or k["num_cases"] != count[kid]:
                bad.append(f"{kid}: reported load differs from the recomputed one")
        missed = any(u["mandatory"] for u in response["unallocated"])
        if (response["status"] == "mandatory_missed") != missed:
            bad.append("status does not match the mandatory cases left out")
        self._owner, self._count, self._minutes, self._moved = owner, count, minutes, moved
        objective = self.objective(owner, minutes)
        if abs(objective - response["objective"]) > 0.01 * len(owner) + 1e-6 * abs(objective) + 1:
            bad.append(f"objective {response['objective']} but recomputed {objective:.2f}")
        return bad

    def objective(self, owner: dict[str, str], minutes: dict[str, float]) -> float:
        """Value minus travel burden plus continuity bonus minus the balance penalty."""
        bonus = self.policy.get("continuity_bonus", 0.0)
        total = 0.0
        for cid, kid in owner.items():
            case, k = self.cases[cid], self.collectors[kid]
            total += self.value(case) - self.burden(case, k)
            total += bonus if case.get("current_collector") == kid else 0.0
        t = self.policy.get("balance_tolerance")
        cost = self.policy.get("balance_cost_per_hour", 0.0)
        if t is not None and cost and len(self.collectors) > 1:
            loads = [minutes[kid] + round(k.get("current_hours", 0) * 60)
                     for kid, k in self.collectors.items()]
            mean = sum(loads) / len(loads)
            outside = sum(math.ceil(max(0.0, x - (1 + t) * mean) - 1e-9)
                          + math.ceil(max(0.0, (1 - t) * mean - x) - 1e-9) for x in loads)
            total -= cost / 60 * outside
        return total

    def reason_is_true(self, response: dict, case_id: str) -> str | None:
        """None if the reason given for ``case_id`` holds; the check must run first."""
        u = next(u for u in response["unallocated"] if u["case_id"] == case_id)
        case, reason = self.cases[case_id], u["reason"]
        if reason in OUT_OF_FIELD or self.out_of_field(case_id):
            true = self.holds.get(case_id, set())
            return None if reason in true else f"{reason} is not true (holds: {true})"
        collectors = list(self.collectors.values())
        skilled = [k for k in collectors if self.skilled(case, k) and self.in_reach(case, k, -TOL)]
        if reason == "no_collector_with_skills_in_reach":
            return None if not skilled else f"{skilled[0]['id']} could take it"
        eligible = [k for k in skilled if k["id"] not in case.get("excluded_collectors", [])]
        if reason == "excluded":
            return None if skilled and not eligible else "someone not excluded could take it"
        room = [k for k in eligible if self._has_room(case, k)]
        if reason == "all_eligible_collectors_full":
            return None if not room else f"{room[0]['id']} has room"
        bonus = self.policy.get("continuity_bonus", 0.0)
        worth = [k for k in room if self.value(case) - self.burden(case, k) * (1 + TOL)
                 + (bonus if case.get("current_collector") == k["id"] else 0) > 0.01]
        if reason == "not_worth_the_travel":
            return None if not worth else f"worth it for {worth[0]['id']}"
        share = self.policy.get("max_reassignment_share")
        cap = None if share is None else math.floor(share * sum(
            1 for c in self.cases.values() if c.get("current_collector")))
        if reason == "reassignment_cap_reached":
            keeps = [k for k in worth if k["id"] == case.get("current_collector")
                     or not case.get("current_collector")]
            return None if cap is not None and self._moved >= cap and not keeps else \
                "could be placed without a change of hands"
        if reason == "would_unbalance_workloads":
            return None if self.policy.get("balance_tolerance") is not None and worth else \
                "no balance band to break"
        return f"unknown reason {reason}"

    def _has_room(self, case: dict, k: dict) -> bool:
        kid = k["id"]
        if k.get("capacity_cases") is not None and (
                self._count[kid] + k.get("current_cases", 0) + 1 > k["capacity_cases"]):
            return False
        if k.get("capacity_hours") is not None and (
                self._minutes[kid] + round(k.get("current_hours", 0) * 60) + self.minutes(case)
                > round(k["capacity_hours"] * 60)):
            return False
        return True
