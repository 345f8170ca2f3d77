"""Each follow-up rule alone, on a tiny history, with its expected effect and reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from followup import Decision, FollowUpPolicy, Hold, InvalidHistory, Outcome, Visit, decide
from followup.decide import decide_all
from followup.policy import AFTERNOON, EVENING, MORNING

MONDAY = date(2026, 12, 7)
_ids = iter(range(10**6))


def visit(days_ago: int, outcome: Outcome, *, at: int = 10 * 60, who: str = "A",
          amount: int = 0, promised_in: int | None = None, today: date = MONDAY) -> Visit:
    """A visit to customer K ``days_ago`` days before ``today`` at minute ``at``; a promise is
    for ``promised_in`` days after the visit."""
    day = today - timedelta(days_ago)
    return Visit(f"v{next(_ids)}", "K", who, day, at, outcome, amount,
                 None if promised_in is None else day + timedelta(promised_in))


def test_no_history_means_due_with_nothing_special():
    assert decide("K", [], MONDAY) == Decision("K")


def test_paid_in_full_closes_the_case():
    d = decide("K", [visit(3, Outcome.PAID_FULL, amount=50_000)], MONDAY)
    assert d.hold is Hold.CASE_CLOSED and d.until is None and d.paid == 50_000


def test_partial_payments_add_up_and_keep_the_case_open():
    d = decide("K", [visit(9, Outcome.PAID_PARTIAL, amount=10_000),
                     visit(2, Outcome.PAID_PARTIAL, amount=5_000)], MONDAY)
    assert d.hold is None and d.paid == 15_000


@pytest.mark.parametrize("outcome", [Outcome.WRONG_ADDRESS, Outcome.MOVED])
def test_a_lost_address_holds_the_case_until_it_is_updated(outcome):
    history = [visit(5, outcome)]
    assert decide("K", history, MONDAY).hold is Hold.ADDRESS_UNVERIFIED
    assert decide("K", history, MONDAY, address_updated=MONDAY - timedelta(6)).hold \
        is Hold.ADDRESS_UNVERIFIED  # updated before the visit found it wrong
    assert decide("K", history, MONDAY, address_updated=MONDAY - timedelta(1)).hold is None


def test_meeting_the_customer_after_a_wrong_address_proves_the_address():
    history = [visit(9, Outcome.WRONG_ADDRESS), visit(4, Outcome.REFUSED)]
    assert decide("K", history, MONDAY).hold is None
    history = [visit(9, Outcome.WRONG_ADDRESS), visit(4, Outcome.NOT_HOME)]
    assert decide("K", history, MONDAY).hold is Hold.ADDRESS_UNVERIFIED


def test_a_complaint_pauses_visits_then_asks_for_a_senior_collector():
    policy = FollowUpPolicy(complaint_hold_days=14, complaint_senior_days=90)
    history = [visit(10, Outcome.COMPLAINT)]
    held = decide("K", history, MONDAY, policy)
    assert held.hold is Hold.ON_HOLD_AFTER_COMPLAINT
    assert held.until == MONDAY + timedelta(4)
    later = decide("K", history, MONDAY + timedelta(4), policy)
    assert later.hold is None and later.required_skills == {"senior"}
    much_later = decide("K", history, MONDAY + timedelta(80), policy)
    assert much_later.required_skills == frozenset()


def test_a_dispute_pauses_visits_for_its_review():
    d = decide("K", [visit(3, Outcome.DISPUTE)], MONDAY)
    assert d.hold is Hold.DISPUTE_UNDER_REVIEW and d.until == MONDAY + timedelta(27)
    assert decide("K", [visit(30, Outcome.DISPUTE)], MONDAY).hold is None


def test_no_visit_before_a_promise_falls_due():
    d = decide("K", [visit(2, Outcome.PROMISE_TO_PAY, amount=30_000, promised_in=5)], MONDAY)
    assert d.hold is Hold.PROMISE_PENDING and d.until == MONDAY + timedelta(3)


def test_a_promise_due_today_is_mandatory_for_the_collector_who_took_it():
    d = decide("K", [visit(4, Outcome.NOT_HOME, who="B"),
                     visit(3, Outcome.PROMISE_TO_PAY, who="A", amount=30_000, promised_in=3)],
               MONDAY)
    assert d.hold is None and d.mandatory and d.preferred_collector == "A"
    assert "due today" in d.why


def test_a_kept_promise_needs_no_check():
    d = decide("K", [visit(8, Outcome.PROMISE_TO_PAY, amount=30_000, promised_in=7),
                     visit(1, Outcome.PAID_PARTIAL, amount=30_000)], MONDAY)
    assert not d.mandatory and d.broken_promises == 0 and d.hold is None


def test_a_broken_promise_not_followed_up_is_mandatory_and_lowers_the_chance_to_pay():
    policy = FollowUpPolicy(broken_promise_factor=0.5)
    history = [visit(8, Outcome.PROMISE_TO_PAY, who="A", amount=30_000, promised_in=2)]
    d = decide("K", history, MONDAY, policy)
    assert d.mandatory and d.preferred_collector == "A" and "broken" in d.why
    assert d.broken_promises == 1 and d.probability_factor == 0.5
    # Checked on its due day and found unpaid: broken, but followed up already.
    checked = [*history, visit(6, Outcome.REFUSED, who="A")]
    d = decide("K", checked, MONDAY, policy)
    assert not d.mandatory and d.broken_promises == 1


def test_a_renegotiated_promise_is_not_broken():
    history = [visit(9, Outcome.PROMISE_TO_PAY, amount=30_000, promised_in=4),
               visit(6, Outcome.PROMISE_TO_PAY, amount=30_000, promised_in=6)]
    d = decide("K", history, MONDAY)
    assert d.broken_promises == 0 and d.mandatory  # the new promise is due today


def test_contact_caps_over_seven_and_thirty_days():
    policy = FollowUpPolicy(max_contacts_per_7_days=2, max_contacts_per_30_days=3)
    week = [visit(6, Outcome.REFUSED), visit(2, Outcome.THIRD_PARTY_CONTACT)]
    d = decide("K", week, MONDAY, policy)
    assert d.hold is Hold.CONTACT_CAP_REACHED and d.until == MONDAY + timedelta(1)
    month = [visit(25, Outcome.REFUSED), visit(15, Outcome.REFUSED), visit(8, Outcome.REFUSED)]
    d = decide("K", month, MONDAY, policy)
    assert d.hold is Hold.CONTACT_CAP_REACHED and d.until == MONDAY + timedelta(5)
    # Not at home is an attempt, not a contact.
    assert decide("K", [visit(6, Outcome.NOT_HOME), visit(2, Outcome.NOT_HOME)], MONDAY,
                  policy).hold is None


def test_not_home_moves_the_next_attempt_to_another_part_of_the_day():
    d = decide("K", [visit(1, Outcome.NOT_HOME, at=10 * 60)], MONDAY)
    assert d.parts == (AFTERNOON, EVENING)
    d = decide("K", [visit(3, Outcome.NOT_HOME, at=10 * 60),
                     visit(1, Outcome.NOT_HOME, at=19 * 60)], MONDAY)
    assert d.parts == (AFTERNOON,)
    saturday = MONDAY + timedelta(5)
    d = decide("K", [visit(1, Outcome.NOT_HOME, at=10 * 60, today=saturday)], saturday)
    assert d.parts is None  # a weekend day is itself another attempt
    met = decide("K", [visit(3, Outcome.NOT_HOME), visit(1, Outcome.REFUSED)], MONDAY)
    assert met.parts is None


def test_too_many_attempts_in_a_week_rest_the_case():
    history = [visit(k, Outcome.NOT_HOME, at=at)
               for k, at in ((5, 9 * 60), (3, 13 * 60), (1, 18 * 60))]
    d = decide("K", history, MONDAY)
    assert d.hold is Hold.ATTEMPTS_EXHAUSTED and d.until == MONDAY + timedelta(2)
    rested = decide("K", history, MONDAY + timedelta(2))
    assert rested.hold is None and rested.parts == (MORNING,)  # the two recent tries moved it


def test_precedence_closed_before_address_before_complaint():
    history = [visit(9, Outcome.COMPLAINT), visit(5, Outcome.WRONG_ADDRESS),
               visit(2, Outcome.PAID_FULL, amount=1)]
    assert decide("K", history, MONDAY).hold is Hold.CASE_CLOSED
    assert decide("K", history[:2], MONDAY).hold is Hold.ADDRESS_UNVERIFIED


def test_bad_histories_are_refused_with_the_field():
    with pytest.raises(InvalidHistory, match="promised_for"):
        Visit("v", "K", "A", MONDAY, 600, Outcome.PROMISE_TO_PAY, 100, MONDAY - timedelta(1))
    with pytest.raises(InvalidHistory, match="promised_for"):
        Visit("v", "K", "A", MONDAY, 600, Outcome.PROMISE_TO_PAY, 100)
    with pytest.raises(InvalidHistory, match="amount"):
        Visit("v", "K", "A", MONDAY, 600, Outcome.PAID_PARTIAL)
    with pytest.raises(InvalidHistory, match="visited_at"):
        decide("K", [visit(-1, Outcome.REFUSED)], MONDAY)
    with pytest.raises(InvalidHistory, match="customer"):
        decide("L", [visit(1, Outcome.REFUSED)], MONDAY)


def test_decide_all_covers_customers_without_history():
    decisions = decide_all([visit(1, Outcome.PAID_FULL, amount=1)], MONDAY, customers=["K", "M"])
    assert decisions["K"].hold is Hold.CASE_CLOSED and decisions["M"] == Decision("M")


def test_a_promise_due_today_is_checked_whatever_the_contact_caps_say():
    history = [visit(3, Outcome.REFUSED), visit(2, Outcome.PROMISE_TO_PAY, amount=100,
                                                 promised_in=2)]
    d = decide("K", history, MONDAY, FollowUpPolicy(max_contacts_per_7_days=2))
    assert d.hold is None and d.mandatory
    assert decide("K", history, MONDAY + timedelta(1)).hold is Hold.CONTACT_CAP_REACHED
