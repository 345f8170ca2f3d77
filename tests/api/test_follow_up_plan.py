"""Visit histories in a day-plan request: the follow-up policy shapes the plan, and every
customer it holds out is reported with a true reason (checked by the independent checker)."""

from __future__ import annotations

import random

import pytest

from tests.conftest import DAY, at, collector, customer, plan, reasons, request, visits

BEFORE = "2026-11-"  # days of the month before the test day (2026-12-01, a Tuesday)


def seen(day: int, outcome: str, clock: str = "10:00", who: str = "A", **kw) -> dict:
    """A visit on 2026-11-``day`` in Shanghai."""
    return {"id": f"{outcome}-{day}-{clock}-{who}", "collector": who,
            "visited_at": f"{BEFORE}{day:02d}T{clock}:00+08:00", "outcome": outcome, **kw}


def line(n: int) -> list[list[float]]:
    return [[abs(i - j) * 300 for j in range(n)] for i in range(n)]


def test_held_customers_are_left_out_with_the_policys_reason():
    body = request([
        customer("closed", 1, history=[seen(20, "paid_full", amount=500)]),
        customer("moved", 2, history=[seen(25, "moved")]),
        customer("complained", 3, history=[seen(24, "complaint")]),
        customer("promised", 4, history=[seen(29, "promise_to_pay", amount=300,
                                              promised_for="2026-12-04")]),
        customer("plain", 5),
    ], [collector("A")], line(6))
    response = plan(body)
    assert visits(response) == ["plain"]
    assert reasons(response) == {"closed": "case_closed", "moved": "address_unverified",
                                 "complained": "on_hold_after_complaint",
                                 "promised": "promise_pending"}
    until = {u["customer_id"]: u["until"] for u in response["unassigned"]}
    assert until["promised"] == "2026-12-04" and until["moved"] is None
    assert response["status"] == "complete"


def test_a_promise_due_today_is_mandatory_for_the_collector_who_took_it():
    promise = seen(27, "promise_to_pay", who="B", amount=800, promised_for=DAY)
    body = request([customer("P", 1, value=1, history=[promise]),
                    customer("Q", 2, value=5000)],
                   [collector("A", max_visits=1), collector("B", max_visits=1)], line(3))
    response = plan(body)
    assert "P" in visits(response, "B")  # mandatory, and B took the promise


def test_a_mandatory_customer_held_out_makes_the_plan_miss_a_mandatory_visit():
    body = request([customer("M", 1, mandatory=True, history=[seen(28, "dispute")])],
                   [collector("A")], line(2))
    response = plan(body)
    assert reasons(response) == {"M": "dispute_under_review"}
    assert response["status"] == "mandatory_missed"


def test_not_at_home_in_the_morning_moves_the_visit_later():
    body = request([customer("N", 1, history=[seen(30, "not_home", clock="09:30")])],
                   [collector("A", start="08:00", end="18:00")], line(2))
    response = plan(body)
    step = next(s for r in response["routes"] for s in r["steps"] if s["type"] == "visit")
    assert step["service_start"] >= at("12:00")


def test_after_a_complaint_only_a_senior_collector_goes():
    body = request([customer("C", 1, history=[seen(10, "complaint")])],
                   [collector("A"), collector("S", skills=["senior"])], line(2))
    assert visits(plan(body)) == visits(plan(body), "S") == ["C"]


def test_broken_promises_lower_the_value_of_a_visit():
    history = [seen(20, "promise_to_pay", amount=300, promised_for="2026-11-22"),
               seen(23, "refused")]
    body = request([customer("B", 1, value=1000, history=history)], [collector("A")], line(2))
    response = plan(body)
    assert response["summary"]["value"] == pytest.approx(700)


def test_bad_histories_name_the_field():
    from pydantic import ValidationError

    from api.errors import describe_validation_error
    from api.schemas.plan import PlanRequest

    body = request([customer("X", 1, history=[seen(20, "promise_to_pay", amount=1)])],
                   [collector("A")], line(2))
    with pytest.raises(ValidationError) as info:
        PlanRequest.model_validate(body)
    assert any(p["field"].startswith("customers[0].history[0]") and "promised_for" in p["reason"]
               for p in describe_validation_error(info.value))
    body["customers"][0]["history"] = [seen(20, "teleported")]
    with pytest.raises(ValidationError):
        PlanRequest.model_validate(body)


def test_a_visit_after_the_planned_day_is_refused():
    from api.runs import check_plan
    from api.schemas.plan import PlanRequest
    from followup import InvalidHistory

    late = {"id": "v", "collector": "A", "visited_at": "2026-12-02T10:00:00+08:00",
            "outcome": "refused"}
    body = request([customer("X", 1, history=[late])], [collector("A")], line(2))
    with pytest.raises(InvalidHistory) as info:
        check_plan(PlanRequest.model_validate(body))
    assert info.value.field == "customers[0].history[v].visited_at"


OUTCOMES = ["paid_full", "paid_partial", "promise_to_pay", "not_home", "refused",
            "third_party_contact", "wrong_address", "moved", "complaint", "dispute"]


@pytest.mark.parametrize("seed", range(6))
def test_no_plan_visits_a_customer_the_policy_holds_out(seed):
    """Random histories: the checker recomputes every hold on its own and fails any visit to a
    held customer or any reason that is not true."""
    rng = random.Random(seed)
    customers = []
    for k in range(24):
        history = []
        for j in range(rng.randrange(0, 5)):
            day = rng.randrange(1, 31)
            outcome = rng.choice(OUTCOMES)
            v = seen(day, outcome, clock=f"{rng.randrange(8, 21):02d}:{rng.choice(['00', '30'])}",
                     who=rng.choice("AB"))
            v["id"] += f"-{j}"
            if outcome in ("paid_partial", "promise_to_pay"):
                v["amount"] = rng.choice([100, 300])
            if outcome == "promise_to_pay":
                v["promised_for"] = f"{BEFORE}30" if day < 30 and rng.random() < 0.5 else \
                    rng.choice([DAY, "2026-12-03"])
            history.append(v)
        extra = {"history": history} if history or rng.random() < 0.5 else {}
        customers.append(customer(f"K{k}", k % 5 + 1, value=rng.randrange(50, 500),
                                  mandatory=rng.random() < 0.1, **extra))
    body = request(customers, [collector("A", max_visits=6), collector("B", skills=["senior"])],
                   line(6))
    plan(body)  # the independent checker runs inside
