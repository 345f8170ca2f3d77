"""The week plan: each customer on the day that suits them, due days kept, rest counted to each
day, value earlier worth a little more; every plan checked by ``verify.week``."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api import runs
from api.schemas.week import WeekRequest
from tests.conftest import point
from verify.week import WeekChecker

DAYS = ["2026-12-01", "2026-12-02"]
LINE = [[abs(i - j) * 600 for j in range(6)] for i in range(6)]


def at(day: str, clock: str) -> str:
    return f"{day}T{clock}:00+08:00"


def on(*days: str) -> list[dict]:
    """Windows covering the office day of each of ``days``."""
    return [{"start": at(d, "09:00"), "end": at(d, "18:00")} for d in days]


def worker(cid: str, days=DAYS, **kw) -> dict:
    return {"id": cid, "start": point(0),
            "shifts": [{"date": d, "shift": {"start": at(d, "09:00"), "end": at(d, "18:00")}}
                       for d in days], **kw}


def client(cid: str, loc: int, value: float, **kw) -> dict:
    return {"id": cid, "location": point(loc), "value": value, "service_seconds": 600, **kw}


def week(customers, collectors, **extra) -> dict:
    body = {"days": DAYS, "timezone": "Asia/Shanghai", "customers": customers,
            "collectors": collectors, "travel": {"matrix": {"durations": LINE}},
            "options": {"time_limit_seconds": 5, "deterministic": True, "work_limit": 300}}
    body.update(extra)
    return body


def plan(body: dict) -> dict:
    response = runs.plan_week(runs.check_week(WeekRequest.model_validate(body)))
    data = response.model_dump(mode="json")
    violations = WeekChecker(body).check(data)
    assert not violations, violations
    return data


def visits_by_day(response: dict) -> dict[str, list[str]]:
    return {d["date"]: [s["customer_id"] for r in d["plan"]["routes"] for s in r["steps"]
                        if s["type"] == "visit"] for d in response["days"]}


def test_a_flexible_customer_waits_for_a_day_with_room():
    """One visit a day. A (worth 10, any day) on day 1 would crowd out B (9, day 1 only), and
    day 2 holds only C (1): one day at a time earns 11, the week 19."""
    body = week([client("A", 1, 10, time_windows=on(*DAYS)),
                 client("B", 2, 9, time_windows=on(DAYS[0])),
                 client("C", 3, 1, time_windows=on(DAYS[1]))],
                [worker("k", max_visits=1)], policy={"travel_cost_per_hour": 0})
    assert visits_by_day(plan(body)) == {DAYS[0]: ["B"], DAYS[1]: ["A"]}


def test_value_earlier_in_the_week_is_worth_more():
    body = week([client("A", 1, 100, time_windows=on(*DAYS))], [worker("k")],
                policy={"travel_cost_per_hour": 0, "discount_per_day": 0.05})
    response = plan(body)
    assert visits_by_day(response) == {DAYS[0]: ["A"], DAYS[1]: []}
    assert response["summary"]["discounted_value"] == 100


def test_a_promise_is_checked_on_its_due_day_and_no_other():
    body = week([client("P", 1, 5, due_on=DAYS[1]), client("Q", 2, 50)],
                [worker("k", max_visits=1)], policy={"travel_cost_per_hour": 0})
    response = plan(body)
    assert visits_by_day(response)[DAYS[1]] == ["P"]
    assert visits_by_day(response)[DAYS[0]] == ["Q"]


def test_rest_is_counted_to_each_day():
    """Visited on 29 November with three rest days: not before 2 December."""
    body = week([client("R", 1, 10, last_visit="2026-11-29")], [worker("k")],
                policy={"min_rest_days": 3, "travel_cost_per_hour": 0})
    assert visits_by_day(plan(body)) == {DAYS[0]: [], DAYS[1]: ["R"]}
    resting = week([client("R", 1, 10, last_visit="2026-11-30")], [worker("k")],
                   policy={"min_rest_days": 3})
    response = plan(resting)
    assert [(u["customer_id"], u["reason"]) for u in response["unassigned"]] == [
        ("R", "resting_after_recent_visit")]


def test_resting_on_every_day_the_customer_is_home_is_a_true_reason():
    """Home on day 1 only, and resting on day 1 (not on day 2): left out as resting, which the
    checker accepts; home on both days, the same customer is visited on day 2."""
    home_day_1 = week([client("R", 1, 10, last_visit="2026-11-29", time_windows=on(DAYS[0]))],
                      [worker("k")], policy={"min_rest_days": 3, "travel_cost_per_hour": 0})
    response = plan(home_day_1)  # checked: resting on every day with a window
    assert [(u["customer_id"], u["reason"]) for u in response["unassigned"]] == [
        ("R", "resting_after_recent_visit")]
    both = week([client("R", 1, 10, last_visit="2026-11-29", time_windows=on(*DAYS))],
                [worker("k")], policy={"min_rest_days": 3, "travel_cost_per_hour": 0})
    assert visits_by_day(plan(both)) == {DAYS[0]: [], DAYS[1]: ["R"]}
    lie = {**response, "days": [{**d, "plan": {**d["plan"], "routes": []}}
                                for d in response["days"]]}
    assert WeekChecker(both).check(lie)  # resting on day 1 only: the reason would be false


def test_a_collector_off_one_day_and_the_preferred_collector_on_any_day():
    body = week([client("X", 1, 10, preferred_collector="b", time_windows=on(*DAYS))],
                [worker("a"), worker("b", days=[DAYS[1]])],
                policy={"travel_cost_per_hour": 0, "preferred_collector_bonus": 50})
    response = plan(body)
    day2 = next(d for d in response["days"] if d["date"] == DAYS[1])
    assert [r["collector_id"] for r in day2["plan"]["routes"]] == ["b"]
    day1 = next(d for d in response["days"] if d["date"] == DAYS[0])
    assert "b" not in day1["plan"]["unused_collectors"]


def test_deterministic_week_plans_are_identical():
    body = week([client(f"c{i}", i % 5 + 1, 10 + i, time_windows=on(DAYS[i % 2]))
                 for i in range(8)], [worker("a", max_visits=3), worker("b", max_visits=2)])
    one, two = plan(body), plan(body)
    for response in (one, two):
        response.pop("solve_seconds")
        for d in response["days"]:
            d["plan"].pop("solve_seconds")
    assert one == two


@pytest.mark.parametrize(("change", "field"), [
    ({"days": [DAYS[1], DAYS[0]]}, "days[1]"),
    ({"days": [f"2026-12-0{k}" for k in range(1, 9)]}, "days"),
    ({"collectors": [worker("k", days=["2026-12-05"])]}, "shifts[0].date"),
    ({"customers": [client("P", 1, 5, due_on="2026-12-09")]}, "customers[0].due_on"),
])
def test_a_week_out_of_order_too_long_or_off_its_days_is_refused(change, field):
    body = week([client("A", 1, 10)], [worker("k")])
    body.update(change)
    with pytest.raises(ValidationError) as error:
        WeekRequest.model_validate(body)
    assert field in str(error.value)


def test_the_package_solve_stays_a_function_after_a_week_and_a_replan():
    """Importing the solver's module directly would bind ``routing.solve`` to the module."""
    import routing

    plan(week([client("A", 1, 10)], [worker("k")]))
    assert callable(routing.solve)
