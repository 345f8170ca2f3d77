"""The week benchmark's bound: the most value a week plan could earn with geography set aside."""

from __future__ import annotations

import pytest

from api import runs
from api.schemas.week import WeekRequest
from benchmarks.week import value_bound
from tests.routing.test_week import DAYS, client, on, week, worker


def bound(body: dict) -> float:
    return value_bound(runs.check_week(WeekRequest.model_validate(body)).context.week)


def test_the_bound_chooses_each_customer_a_day_under_the_caps():
    """One visit a day: B (9, day 1 only) on day 1 and A (10, any day) on day 2 at 99%; C (1)
    finds no room; D needs a skill no collector has and counts nowhere."""
    body = week([client("A", 1, 10, time_windows=on(*DAYS)),
                 client("B", 2, 9, time_windows=on(DAYS[0])),
                 client("C", 3, 1, time_windows=on(DAYS[1])),
                 client("D", 4, 100, required_skills=["legal"])],
                [worker("k", max_visits=1)])
    assert bound(body) == pytest.approx(9 + 10 * 0.99)


def test_a_promise_due_takes_its_day():
    """E is due on day 2 and takes its only visit: A must go on day 1, B finds no room."""
    body = week([client("A", 1, 10, time_windows=on(*DAYS)),
                 client("B", 2, 9, time_windows=on(DAYS[0])),
                 client("E", 3, 5, due_on=DAYS[1])],
                [worker("k", max_visits=1)])
    assert bound(body) == pytest.approx(10 + 5 * 0.99)
