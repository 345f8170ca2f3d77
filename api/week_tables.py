"""Week-plan requests from the rows of the cases and collectors tables (``api.tables``), for
``fieldplan plan-week --customers --collectors --from``. Each day is read as a day plan of the
same tables reads it (``api.day_tables``: shifts, lunch, visit windows as times of day); a
collector's ``days_off`` are left out of their shifts; a case's ``due_on`` (a promise falling
due, an appointment) is its one day, and a ``promise_to_pay`` without a date falls due on the
first day, as it would in a day plan of that day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from api.day_tables import DayTerms, day_request, is_off
from api.schemas.week import ShiftIn, WeekRequest
from api.tables import TableError, is_true


def week_request(members: list[dict], cases: list[dict], terms: DayTerms,
                 days: list[date]) -> WeekRequest:
    """The week ``days`` of ``members`` (collectors-table rows) and ``cases`` (cases-table
    rows): any collector may visit any case, the case's current collector is its preferred
    one. Raises ``TableError`` naming the row of a cell the week cannot take."""
    plans = {d: day_request(members, cases, None, replace(terms, day=d))
             for d in days if not all(is_off(k, d) for k in members)}
    if not plans:
        raise TableError([{"field": "collectors: days_off", "reason": "every collector is off "
                           f"on every day from {days[0]} to {days[-1]}: nobody to plan for"}])
    collectors = []
    for row in members:  # a collector off all week is left out
        mine = [(d, c) for d, plan in plans.items() for c in plan.collectors if c.id == row["id"]]
        if mine:
            body = mine[0][1].model_dump(exclude_unset=True, exclude={"shift", "lunch_break"})
            collectors.append({**body, "shifts": [
                ShiftIn(date=d, shift=c.shift, lunch_break=c.lunch_break) for d, c in mine]})
    names = {c["id"] for c in collectors}
    first = next(iter(plans.values()))
    problems: list[dict[str, str]] = []
    customers = []
    for i, row in enumerate(cases):
        cells = row.get("day", {})
        body = first.customers[i].model_dump(exclude_unset=True,
                                             exclude={"mandatory", "preferred_collector"})
        if row.get("current_collector") in names:
            body["preferred_collector"] = row["current_collector"]
        if "visit_window" in cells:  # the same hours on every day someone works
            body["time_windows"] = [w for plan in plans.values()
                                    for w in plan.customers[i].time_windows]
        due = (date.fromisoformat(cells["due_on"]) if "due_on" in cells
               else days[0] if is_true(cells.get("promise_to_pay")) else None)
        if due is not None and due not in days:
            problems.append({"field": f"cases {row['id']}: due_on", "reason": (
                f"{due} is not a day of the plan ({days[0]} to {days[-1]})")})
        body["due_on"] = due
        customers.append(body)
    if problems:
        raise TableError(problems)
    return WeekRequest.model_validate({
        "days": days, "timezone": terms.timezone, "collectors": collectors,
        "customers": customers, "policy": first.policy.model_dump(exclude_unset=True),
        "travel": first.travel.model_dump(exclude_unset=True),
        "options": first.options.model_dump(exclude_unset=True)})
