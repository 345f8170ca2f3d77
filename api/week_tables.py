"""Week-plan requests from the rows of the cases and collectors tables (``api.tables``), for
``fieldplan plan-week --customers --collectors --from``. Each day is read as a day plan of the
same tables reads it (``api.day_tables``: shifts, lunch, visit windows as times of day); a
collector's ``days_off`` are left out of their shifts; a case's ``due_on`` (a promise falling
due, an appointment) is its one day, and a ``promise_to_pay`` without a date falls due on the
first day, as it would in a day plan of that day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from api.day_tables import DayTerms, day_request
from api.schemas.week import ShiftIn, WeekRequest
from api.tables import TableError, days_off, is_true


def week_request(members: list[dict], cases: list[dict], terms: DayTerms,
                 days: list[date]) -> WeekRequest:
    """The week ``days`` of ``members`` (collectors-table rows) and ``cases`` (cases-table
    rows): any collector may visit any case, the case's current collector is its preferred
    one. Raises ``TableError`` naming the row of a cell the week cannot take."""
    plans = [day_request(members, cases, None, replace(terms, day=d)) for d in days]
    problems: list[dict[str, str]] = []
    collectors = []
    for j, row in enumerate(members):
        dates, weekdays = days_off(row.get("day", {}).get("days_off", ""))
        shifts = [ShiftIn(date=d, shift=plan.collectors[j].shift,
                          lunch_break=plan.collectors[j].lunch_break)
                  for d, plan in zip(days, plans, strict=True)
                  if d not in dates and d.weekday() not in weekdays]
        if shifts:  # a collector off all week is left out
            body = plans[0].collectors[j].model_dump(exclude_unset=True,
                                                     exclude={"shift", "lunch_break"})
            collectors.append({**body, "shifts": shifts})
    if not collectors:
        problems.append({"field": "collectors: days_off", "reason": "every collector is off on "
                         f"every day from {days[0]} to {days[-1]}: nobody to plan for"})
    customers = []
    for i, row in enumerate(cases):
        cells = row.get("day", {})
        body = plans[0].customers[i].model_dump(exclude_unset=True, exclude={"mandatory"})
        if "visit_window" in cells:  # the same hours on every day
            body["time_windows"] = [w for plan in plans for w in plan.customers[i].time_windows]
        due = (date.fromisoformat(cells["due_on"]) if "due_on" in cells
               else days[0] if is_true(cells.get("promise_to_pay")) else None)
        if due is not None and due not in days:
            problems.append({"field": f"cases {row['id']}: due_on", "reason": (
                f"{due} is not a day of the plan ({days[0]} to {days[-1]})")})
        body["due_on"] = due
        customers.append(body)
    if problems:
        raise TableError(problems)
    first = plans[0]
    return WeekRequest.model_validate({
        "days": days, "timezone": terms.timezone, "collectors": collectors,
        "customers": customers, "policy": first.policy.model_dump(exclude_unset=True),
        "travel": first.travel.model_dump(exclude_unset=True),
        "options": first.options.model_dump(exclude_unset=True)})
