"""A plan's routes timed again on other travel (the checker's: a road matrix, say): each
collector keeps the plan's order of visits, leaves when the plan says, and meets each customer
as early as the new travel and the customer's windows allow. What no longer fits is counted:
visits that miss every window, and collectors back after their shift. This is how a plan made
on straight lines fares on the roads."""

from __future__ import annotations

from dataclasses import dataclass, field

from verify.day_plan import Checker, ts


@dataclass
class Retimed:
    visits: int = 0
    # Visits whose service can no longer start and end inside one of the customer's windows.
    missed_windows: list[str] = field(default_factory=list)
    # Collectors back at their end after their shift ends, and by how many seconds.
    late_returns: dict[str, float] = field(default_factory=dict)


def retime(checker: Checker, plan: dict) -> Retimed:
    """Time ``plan``'s routes on ``checker``'s travel (see the module)."""
    out = Retimed()
    for route in plan["routes"]:
        collector = checker.collectors[route["collector_id"]]
        steps = route["steps"]
        now, here = ts(steps[0]["service_start"]), collector["start"]
        for step in steps[1:]:
            if step["type"] == "break":
                now += ts(step["service_end"]) - ts(step["service_start"])
                continue
            if step["type"] == "visit":
                customer = checker.customers[step["customer_id"]]
                now += checker.leg(here, customer["location"])
                here = customer["location"]
                service = customer.get("service_seconds", 900)
                starts = [max(now, a) for a, b in checker.windows(customer)
                          if max(now, a) + service <= b]
                out.visits += 1
                if not starts:
                    out.missed_windows.append(customer["id"])
                now = (min(starts) if starts else now) + service
            else:
                end = collector.get("end") or collector["start"]
                now += checker.leg(here, end)
                over = now - ts(collector["shift"]["end"])
                if over > 0:
                    out.late_returns[collector["id"]] = over
    return out
