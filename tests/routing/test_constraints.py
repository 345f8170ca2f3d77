"""Each rule alone on a tiny instance with a known best plan (custom matrices, exact times)."""

from __future__ import annotations

from tests.conftest import at, collector, customer, plan, point, reasons, request, visits


def test_visits_a_line_in_the_shortest_order(line_matrix):
    """Four customers on a line: out and back once, 4 x 600 s each way."""
    body = request([customer(f"c{i}", i) for i in range(1, 5)], [collector("A")], line_matrix)
    response = plan(body)
    assert sorted(visits(response)) == ["c1", "c2", "c3", "c4"]
    assert response["summary"]["travel_seconds"] == 4800
    assert response["status"] == "complete"


def test_a_time_window_decides_the_order(line_matrix):
    """The far customer is only at home until 09:50, so it comes first."""
    far = customer("far", 4, time_windows=[{"start": at("09:00"), "end": at("09:50")}])
    body = request([customer("near", 1), far], [collector("A")], line_matrix)
    response = plan(body)
    assert visits(response) == ["far", "near"]
    first = response["routes"][0]["steps"][1]
    assert first["service_start"] == at("09:40")


def test_service_waits_for_the_second_window_when_the_first_is_too_short(line_matrix):
    """Arriving at 09:10, a 10-minute visit cannot end by 09:15: the 14:00 window is used."""
    c = customer("c", 1, time_windows=[{"start": at("09:00"), "end": at("09:15")},
                                       {"start": at("14:00"), "end": at("15:00")}])
    response = plan(request([c], [collector("A")], line_matrix))
    step = response["routes"][0]["steps"][1]
    assert step["service_start"] == at("14:00")
    assert step["waiting_seconds"] == 0  # the collector leaves late instead of waiting


def test_no_visit_before_eight_in_the_morning(line_matrix):
    """China's rules: nothing before 08:00, even if the shift starts at 06:00."""
    body = request([customer("c", 1)], [collector("A", start="06:00", end="12:00")], line_matrix)
    step = plan(body)["routes"][0]["steps"][1]
    assert step["service_start"] == at("08:00")


def test_us_hours_end_at_nine_in_the_evening(line_matrix):
    """A 21:00-22:00 customer is legal in China but not under the FDCPA preset."""
    late = customer("late", 1, time_windows=[{"start": at("21:00"), "end": at("22:00")}])
    crew = [collector("A", start="12:00", end="23:00")]
    assert visits(plan(request([late], crew, line_matrix))) == ["late"]
    us = plan(request([late], crew, line_matrix, policy={"legal_hours": "us_fdcpa"}))
    assert reasons(us) == {"late": "outside_legal_hours"}


def test_legal_hours_follow_the_debtors_time_zone(line_matrix):
    """A debtor in Urumqi local time (UTC+6): 08:00 there is 10:00 in Shanghai."""
    c = customer("c", 1, timezone="Asia/Urumqi")
    response = plan(request([c], [collector("A", start="08:00", end="12:00")], line_matrix))
    assert response["routes"][0]["steps"][1]["service_start"] == at("10:00")


def test_lunch_break_is_taken_inside_its_window(line_matrix):
    """A one-hour break between 11:00 and 12:30 appears as a step and delays the day."""
    crew = [collector("A", start="09:00", end="18:00", lunch_break={
        "earliest_start": at("11:00"), "latest_end": at("12:30"), "duration_seconds": 3600})]
    c = customer("c", 1, time_windows=[{"start": at("11:30"), "end": at("12:30")}])
    response = plan(request([c, customer("d", 2)], crew, line_matrix))
    kinds = [s["type"] for s in response["routes"][0]["steps"]]
    assert kinds.count("break") == 1


def test_a_break_that_leaves_no_room_makes_the_visit_unreachable(line_matrix):
    """Shift 09:00-10:00 with a 40-minute break: a 30-minute round trip plus a 10-minute visit
    no longer fits."""
    crew = [collector("A", start="09:00", end="10:00", lunch_break={
        "earliest_start": at("09:00"), "latest_end": at("10:00"), "duration_seconds": 2400})]
    c = customer("c", 1, service=600)
    matrix = [[0, 900], [900, 0]]
    response = plan(request([c], crew, matrix))
    assert reasons(response) == {"c": "unreachable_in_time"}


def test_visit_cap_keeps_the_most_valuable(line_matrix):
    """With room for two visits and free travel, the two most valuable customers are chosen."""
    body = request([customer(f"c{i}", i, value=10 * i) for i in range(1, 5)],
                   [collector("A", max_visits=2)], line_matrix,
                   policy={"travel_cost_per_hour": 0})
    response = plan(body)
    assert sorted(visits(response)) == ["c3", "c4"]
    assert reasons(response) == {"c1": "day_full", "c2": "day_full"}


def test_travel_cap_limits_how_far_a_collector_drives(line_matrix):
    """40 minutes of driving reach points 1 and 2 and back, no further."""
    body = request([customer(f"c{i}", i, value=1000) for i in range(1, 5)],
                   [collector("A", max_travel_seconds=2400)], line_matrix)
    response = plan(body)
    assert sorted(visits(response)) == ["c1", "c2"]
    assert reasons(response) == {"c3": "unreachable_in_time", "c4": "unreachable_in_time"}


def test_skills_and_allowed_collectors_pick_the_collector(line_matrix):
    """Only B speaks Cantonese; only A may see the customer with a conflict of interest."""
    crew = [collector("A"), collector("B", skills=["cantonese"])]
    body = request([customer("canto", 1, required_skills=["cantonese"]),
                    customer("only_a", 2, allowed_collectors=["A"])], crew, line_matrix)
    response = plan(body)
    assert visits(response, "B") == ["canto"]
    assert visits(response, "A") == ["only_a"]


def test_two_person_homes_need_a_crew_of_two(line_matrix):
    """A crew of two takes the two-person home; without one the customer gets that reason."""
    home = customer("home", 1, needs_two_person=True)
    response = plan(request([home], [collector("solo"), collector("pair", crew_size=2)],
                            line_matrix))
    assert visits(response, "pair") == ["home"]
    alone = plan(request([home], [collector("solo")], line_matrix))
    assert reasons(alone) == {"home": "needs_two_person_crew"}


def test_a_customer_inside_the_rest_period_is_not_planned(line_matrix):
    """Rest of three days: visited yesterday rests, visited three days ago may be seen."""
    body = request([customer("yesterday", 1, last_visit="2026-11-30"),
                    customer("three_days", 2, last_visit="2026-11-28")],
                   [collector("A")], line_matrix, policy={"min_rest_days": 3})
    response = plan(body)
    assert visits(response) == ["three_days"]
    assert reasons(response) == {"yesterday": "resting_after_recent_visit"}


def test_mandatory_visit_is_made_even_at_a_loss(line_matrix):
    """A promise-to-pay follow-up worth 1 is visited although the drive costs more."""
    body = request([customer("ptp", 4, value=1, mandatory=True)], [collector("A")], line_matrix,
                   policy={"travel_cost_per_hour": 100})
    assert visits(plan(body)) == ["ptp"]


def test_a_visit_worth_less_than_the_drive_is_left_out(line_matrix):
    """Value 1 against 80 minutes of driving at 100 an hour."""
    body = request([customer("cheap", 4, value=1)], [collector("A")], line_matrix,
                   policy={"travel_cost_per_hour": 100})
    response = plan(body)
    assert reasons(response) == {"cheap": "not_worth_the_trip"}
    assert response["status"] == "partial"


def test_an_impossible_mandatory_visit_is_reported_in_the_status(line_matrix):
    """A mandatory customer nobody can reach makes the status say so."""
    c = customer("ptp", 4, mandatory=True, time_windows=[{"start": at("09:00"),
                                                          "end": at("09:20")}])
    response = plan(request([c], [collector("A")], line_matrix))
    assert response["status"] == "mandatory_missed"
    assert reasons(response) == {"ptp": "unreachable_in_time"}


def test_preferred_collector_keeps_the_relationship(line_matrix):
    """Two identical collectors; the customer's own collector makes the visit."""
    crew = [collector("A"), collector("B")]
    body = request([customer("c", 1, preferred_collector="B")], crew, line_matrix,
                   policy={"preferred_collector_bonus": 50})
    response = plan(body)
    assert visits(response, "B") == ["c"]
    assert response["summary"]["preferred_visits"] == 1


def test_workload_balance_spreads_visits(line_matrix):
    """Four customers next to each other: with balancing on, each collector gets two."""
    crew = [collector("A"), collector("B")]
    custs = [customer(f"c{i}", 1) for i in range(4)]
    body = request(custs, crew, line_matrix, policy={"balance_cost_per_visit": 100})
    response = plan(body)
    assert sorted(len(visits(response, k)) for k in "AB") == [2, 2]


def test_end_location_defaults_to_start_and_can_differ(line_matrix):
    """A collector who starts at the branch and ends at home drives 0 -> 2 -> 4."""
    crew = [{**collector("A"), "end": point(4)}]
    response = plan(request([customer("c", 2)], crew, line_matrix))
    assert response["summary"]["travel_seconds"] == 2400


def test_balance_and_probability_give_the_value(line_matrix):
    """Value = balance x probability to pay."""
    c = {"id": "c", "location": point(1), "balance": 10000, "probability_to_pay": 0.25}
    response = plan(request([c], [collector("A")], line_matrix))
    assert response["summary"]["value"] == 2500


def test_a_mandatory_visit_takes_the_place_of_an_optional_one(line_matrix):
    """One visit fits in the day; the mandatory follow-up gets it, the richer optional
    customer is left out with a true reason."""
    crew = [collector("A", max_visits=1)]
    body = request([customer("rich", 1, value=1000), customer("ptp", 2, value=1, mandatory=True)],
                   crew, line_matrix)
    response = plan(body)
    assert visits(response) == ["ptp"]
    assert reasons(response) == {"rich": "day_full"}
