"""Visit histories in an allocation request: cases out of the field are left unallocated with
a true reason, an open promise stays with the collector who took it, a complaint asks for a
senior owner; every allocation re-checked by the independent checker."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.runs import allocate, check_allocation
from api.schemas.allocation import AllocationRequest
from verify.allocation import AllocationChecker


def case(cid: str, lat: float, **kw) -> dict:
    return {"id": cid, "location": {"lat": lat, "lon": 121.47}, "balance": 10_000,
            "days_past_due": 45, "probability_to_pay": 0.3, **kw}


def seen(vid: str, outcome: str, who: str = "far", day: str = "2026-11-28", **kw) -> dict:
    return {"id": vid, "collector": who, "visited_at": f"{day}T10:00:00+08:00",
            "outcome": outcome, **kw}


def allocated(body: dict) -> dict:
    response = allocate(check_allocation(AllocationRequest.model_validate(body))).model_dump(
        mode="json")
    checker = AllocationChecker(body)
    assert checker.check(response) == []
    for u in response["unallocated"]:
        assert checker.reason_is_true(response, u["case_id"]) is None, u
    return response


def body(cases: list[dict]) -> dict:
    return {"date": "2026-12-01", "cases": cases,
            "collectors": [{"id": "near", "base": {"lat": 31.23, "lon": 121.47}},
                           {"id": "far", "base": {"lat": 31.40, "lon": 121.47}},
                           {"id": "senior", "base": {"lat": 31.50, "lon": 121.47},
                            "skills": ["senior"]}],
            "policy": {"continuity_bonus": 200},
            "options": {"time_limit_seconds": 3}}


def test_cases_out_of_the_field_are_left_unallocated_with_the_reason():
    response = allocated(body([
        case("paid", 31.23, history=[seen("v1", "paid_full", amount=10_000)]),
        case("gone", 31.23, history=[seen("v2", "moved")]),
        case("back", 31.23, history=[seen("v3", "moved")], address_updated="2026-11-30"),
        case("plain", 31.23)]))
    reasons = {u["case_id"]: u["reason"] for u in response["unallocated"]}
    assert reasons == {"paid": "case_closed", "gone": "address_unverified"}
    assert {a["case_id"] for a in response["allocations"]} == {"back", "plain"}
    assert response["summary"]["cases"] == 4 and response["status"] == "partial"


def test_an_open_promise_keeps_the_case_with_the_collector_who_took_it():
    promise = seen("v1", "promise_to_pay", who="far", amount=3_000, promised_for="2026-12-03")
    response = allocated(body([case("P", 31.23, history=[promise]), case("Q", 31.23)]))
    owner = {a["case_id"]: a["collector_id"] for a in response["allocations"]}
    assert owner["P"] == "far" and owner["Q"] == "near"  # the keeper counts as current


def test_after_a_complaint_only_a_senior_may_own_the_case():
    response = allocated(body([case("C", 31.23, history=[seen("v1", "complaint")])]))
    assert response["allocations"][0]["collector_id"] == "senior"


def test_a_history_needs_the_date():
    request = body([case("C", 31.23, history=[seen("v1", "refused")])])
    del request["date"]
    with pytest.raises(ValidationError, match="date"):
        AllocationRequest.model_validate(request)
