"""Re-planning the rest of a day: fixed visits stay, collectors go on from where they are,
visits keep their collector unless moving gains more than the threshold, every rule and reason
still holds, and the change list is the diff of the two plans (all checked by
``verify.replan``, which works the restarts out on its own)."""

from __future__ import annotations

import pytest

from api import runs
from api.schemas.plan import PlanRequest
from api.schemas.plan_out import PlanResponse
from api.schemas.replan import EventsIn
from routing import InvalidProblem
from tests.conftest import at, collector, customer, plan, point, request
from verify.replan import ReplanChecker

# Nine points on a line, 600 s apart; point 0 is the branch.
LINE = [[abs(i - j) * 600 for j in range(9)] for i in range(9)]


def day(**extra) -> dict:
    customers = [customer(f"c{i}", i, value=100 + i) for i in range(1, 9)]
    return request(customers, [collector("A", end="15:00", max_visits=4),
                               collector("B", loc=8, end="15:00", max_visits=4)], LINE, **extra)


def replan(body: dict, previous: dict, events: dict) -> dict:
    """Re-plan through the run path the CLI and the service use; checked independently."""
    job = runs.check_replan(PlanRequest.model_validate(body),
                            PlanResponse.model_validate(previous), EventsIn.model_validate(events))
    response = runs.replan(job).model_dump(mode="json")
    violations = ReplanChecker(response["request"], previous, events).check(response)
    assert not violations, violations
    return response


def first_visits(response: dict, collector_id: str, state: str | None = None) -> list[dict]:
    return [s for r in response["routes"] if r["collector_id"] == collector_id
            for s in r["steps"] if s["type"] == "visit" and (state is None or s["state"] == state)]


def test_done_and_under_way_visits_stay_where_and_when_they_happened():
    body = day()
    before = plan(body)
    a = first_visits(before, "A")
    events = {"at": at("10:30"),
              "done": [{"customer_id": a[0]["customer_id"], "collector_id": "A",
                        "service_start": a[0]["service_start"],
                        "service_end": a[0]["service_end"]}],
              "under_way": [{"customer_id": a[1]["customer_id"], "collector_id": "A",
                             "service_start": at("10:20"), "expected_end": at("10:45")}]}
    after = replan(body, before, events)
    steps = first_visits(after, "A")
    assert [s["state"] for s in steps[:2]] == ["done", "under_way"]
    assert steps[1]["service_end"] == at("10:45")
    # The next visit can begin no sooner than the end of the one under way plus the drive.
    nxt = steps[2]
    assert nxt["state"] == "planned"
    assert nxt["arrival"] >= at("10:45")


def test_a_second_replan_keeps_what_the_first_fixed():
    body = day()
    before = plan(body)
    a = first_visits(before, "A")
    first = replan(body, before, {"at": at("10:00"), "done": [{
        "customer_id": a[0]["customer_id"], "collector_id": "A",
        "service_start": a[0]["service_start"], "service_end": a[0]["service_end"]}]})
    second = replan(first["request"], first, {"at": at("12:00"), "stopped": ["B"]})
    assert first_visits(second, "A")[0]["customer_id"] == a[0]["customer_id"]
    assert first_visits(second, "A")[0]["state"] == "done"
    assert not first_visits(second, "B", "planned")


def test_a_collector_goes_on_from_a_reported_position():
    """B reports from point 5 at 11:00: the first new visit is timed from there."""
    body = day()
    before = plan(body)
    after = replan(body, before, {"at": at("11:00"), "positions": [
        {"collector_id": "B", "location": point(5), "at": at("11:00")}]})
    route = next(r for r in after["routes"] if r["collector_id"] == "B")
    kinds = [s["type"] for s in route["steps"]]
    assert kinds[:2] == ["start", "position"]
    first = route["steps"][2]
    leg = abs(int(first["customer_id"][1:]) - 5) * 600
    assert first["travel_seconds"] == leg
    assert first["arrival"] >= at("11:00")


def test_a_stopped_collectors_visits_go_to_others_or_are_explained():
    body = day()
    before = plan(body)
    after = replan(body, before, {"at": at("09:00"), "stopped": ["B"]})
    assert not first_visits(after, "B")
    moved = {c["customer_id"] for c in after["changes"] if c["change"] == "moved_out"}
    removed = {c["customer_id"] for c in after["changes"] if c["change"] == "removed"}
    assert moved | removed == {s["customer_id"] for s in first_visits(before, "B")}
    assert {u["customer_id"] for u in after["unassigned"]} >= removed


def test_the_threshold_keeps_visits_with_their_collector():
    """Swapping two equal customers between A and B gains nothing worth a phone call: with a
    threshold the morning's owners keep them; without one the search is free to move them."""
    body = day()
    before = plan(body)
    kept = replan(body, before, {"at": at("09:00"), "move_threshold": 50})
    assert not [c for c in kept["changes"] if c["change"] in ("moved_in", "moved_out")]


def test_urgent_customers_and_new_windows_are_planned():
    body = day()
    before = plan(body)
    urgent = customer("urgent", 4, value=50, mandatory=True,
                      time_windows=[{"start": at("13:00"), "end": at("14:00")}])
    after = replan(body, before, {
        "at": at("09:00"), "added": [urgent], "cancelled": ["c1"],
        "new_windows": [{"customer_id": "c8", "time_windows": [
            {"start": at("14:00"), "end": at("15:00")}]}]})
    visits = {s["customer_id"]: s for r in after["routes"] for s in r["steps"]
              if s["type"] == "visit"}
    assert at("13:00") <= visits["urgent"]["service_start"] <= at("14:00")
    assert "c1" not in visits and "c1" not in {u["customer_id"] for u in after["unassigned"]}
    if "c8" in visits:
        assert visits["c8"]["service_start"] >= at("14:00")
    assert any(c["change"] == "added" and c["customer_id"] == "urgent" for c in after["changes"])


def test_deterministic_replans_are_identical():
    body = day()
    before = plan(body)
    events = {"at": at("11:00"), "stopped": ["A"]}
    one, two = replan(body, before, events), replan(body, before, events)
    for response in (one, two):
        response.pop("solve_seconds")
    assert one == two


@pytest.mark.parametrize(("events", "field"), [
    ({"done": [{"customer_id": "nobody", "collector_id": "A", "service_start": at("09:10"),
                "service_end": at("09:20")}]}, "done[0].customer_id"),
    ({"done": [{"customer_id": "c1", "collector_id": "Z", "service_start": at("09:10"),
                "service_end": at("09:20")}]}, "done[0].collector_id"),
    ({"done": [{"customer_id": "c1", "collector_id": "A", "service_start": at("11:10"),
                "service_end": at("11:20")}]}, "done[0].service_start"),
    ({"done": [{"customer_id": "c1", "collector_id": "A", "service_start": at("10:10"),
                "service_end": at("10:40")}],
      "positions": [{"collector_id": "A", "location": point(3), "at": at("10:20")}]},
     "positions[0].at"),
    ({"positions": [{"collector_id": "Q", "location": point(3), "at": at("10:20")}]},
     "positions[0].collector_id"),
    ({"stopped": ["Q"]}, "stopped"),
    ({"cancelled": ["nobody"]}, "cancelled[0]"),
    ({"added": [customer("c2", 1)]}, "added[0].id"),
])
def test_events_that_contradict_the_day_are_refused_naming_the_field(events, field):
    body = day()
    before = plan(body)
    with pytest.raises(InvalidProblem) as error:
        runs.check_replan(PlanRequest.model_validate(body), PlanResponse.model_validate(before),
                          EventsIn.model_validate({"at": at("11:00"), **events}))
    assert error.value.field == field
