"""Every bad request is refused with the field and the reason, never a stack trace."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.errors import describe_validation_error
from api.schemas.plan import PlanRequest
from tests.conftest import at, collector, customer, request

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _good() -> dict:
    return request([customer("c1", 1), customer("c2", 2)], [collector("A")],
                   [[0, 60, 60], [60, 0, 60], [60, 60, 0]])


def _problems(body: dict) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as info:
        PlanRequest.model_validate(body)
    return describe_validation_error(info.value)


def _breaks(mutate) -> list[dict[str, str]]:
    body = copy.deepcopy(_good())
    mutate(body)
    return _problems(body)


CASES = {
    "unknown field": (lambda b: b["customers"][0].update(colour="red"), "customers[0].colour",
                      "Extra inputs"),
    "missing id": (lambda b: b["customers"][0].pop("id"), "customers[0].id", "Field required"),
    "duplicate id": (lambda b: b["customers"][1].update(id="c1"), "customers[1].id", "duplicate"),
    "duplicate collector": (lambda b: b["collectors"].append(collector("A")), "collectors[1].id",
                            "duplicate"),
    "window ends before it starts": (
        lambda b: b["customers"][0].update(time_windows=[{"start": at("12:00"),
                                                          "end": at("10:00")}]),
        "customers[0].time_windows[0]", "end must be after start"),
    "latitude out of range": (lambda b: b["customers"][0]["location"].update(lat=91),
                              "customers[0].location.lat", "less than or equal to 90"),
    "NaN": (lambda b: b["customers"][0].update(value=math.nan), "customers[0].value", "finite"),
    "negative duration": (lambda b: b["customers"][0].update(service_seconds=-5),
                          "customers[0].service_seconds", "greater than or equal to 0"),
    "matrix of the wrong shape": (
        lambda b: b["travel"]["matrix"].update(durations=[[0, 1], [1, 0]]),
        "customers[1].location.matrix_index", "outside the 2 x 2 matrix"),
    "ragged matrix": (lambda b: b["travel"]["matrix"]["durations"][1].pop(),
                      "travel.matrix.durations", "square"),
    "collector referenced but absent": (
        lambda b: b["customers"][0].update(preferred_collector="ghost"),
        "customers[0].preferred_collector", "not in the request"),
    "time without offset": (lambda b: b["collectors"][0]["shift"].update(start="2026-12-01T09:00:00"),
                            "collectors[0].shift.start", "timezone"),
    "unknown time zone": (lambda b: b.update(timezone="Mars/Olympus"), "timezone",
                          "unknown time zone"),
    "value and balance both": (lambda b: b["customers"][0].update(balance=10,
                                                                   probability_to_pay=0.5),
                               "customers[0]", "not both"),
    "break outside the shift": (
        lambda b: b["collectors"][0].update(lunch_break={
            "earliest_start": at("07:00"), "latest_end": at("08:00"), "duration_seconds": 600}),
        "collectors[0].lunch_break", "inside the shift"),
    "negative cap": (lambda b: b["collectors"][0].update(max_visits=-1),
                     "collectors[0].max_visits", "greater than or equal to 0"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_names_the_field_and_the_reason(case):
    mutate, field, words = CASES[case]
    problems = _breaks(mutate)
    assert any(p["field"] == field and words.lower() in p["reason"].lower() for p in problems), \
        problems


def test_the_good_request_is_accepted_as_given():
    parsed = PlanRequest.model_validate(_good())
    assert [c.id for c in parsed.customers] == ["c1", "c2"]
    assert parsed.collectors[0].id == "A"
    assert parsed.travel.matrix.durations[0][1] == 60


def test_the_example_survives_a_json_round_trip():
    body = json.loads((EXAMPLES / "plan_request.json").read_text())
    parsed = PlanRequest.model_validate(body)
    again = PlanRequest.model_validate_json(parsed.model_dump_json())
    assert again == parsed
    assert len(again.customers) == len(body["customers"])


@pytest.mark.parametrize("zone", ["0" * 27 + "\x80" * 300, "../../etc/passwd", "Asia/Nowhere"])
def test_a_time_zone_that_is_no_iana_name_is_refused_naming_the_field(zone):
    """Even one the file system cannot look up (too long, odd bytes): a 422, never a 500."""
    body = request([customer("a", 1)], [collector("k1")], [[0, 600], [600, 0]])
    body["timezone"] = zone
    with pytest.raises(ValidationError) as refused:
        PlanRequest.model_validate(body)
    [problem] = describe_validation_error(refused.value)
    assert problem["field"] == "timezone" and "unknown time zone" in problem["reason"]
