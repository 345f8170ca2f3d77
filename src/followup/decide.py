"""Apply the follow-up policy to visit histories for one day.

Rules in order of precedence (the first that holds a customer out gives the reason): a paid
case is closed; an address found wrong waits for an update; a dispute, then a complaint, pause
visits; a promise not yet due is waited for; the contact caps, then the attempt cap, rest the
customer. A customer not held out may be mandatory (a promise due today, or one broken and not
yet followed up, both for the collector who took it), limited to other parts of the day (after
finding nobody at home), or need a senior collector (after a complaint).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from followup.history import ADDRESS_LOST, NO_CONTACT, PAYMENTS, InvalidHistory, Outcome, Visit
from followup.policy import DEFAULT, FollowUpPolicy

WEEK, MONTH = 7, 30


class Hold(StrEnum):
    """Why the policy keeps a customer out of today's plan; each says what it means."""

    explanation: str

    def __new__(cls, value: str, explanation: str) -> Hold:
        member = str.__new__(cls, value)
        member._value_ = value
        member.explanation = explanation
        return member

    CASE_CLOSED = "case_closed", "Paid in full: the case is closed."
    ADDRESS_UNVERIFIED = ("address_unverified", "The address was found wrong (or the customer "
                          "moved) and has not been updated since.")
    DISPUTE_UNDER_REVIEW = ("dispute_under_review",
                            "The customer disputes the debt; visits wait for the review.")
    ON_HOLD_AFTER_COMPLAINT = ("on_hold_after_complaint",
                               "The customer complained; visits pause for the hold period.")
    PROMISE_PENDING = ("promise_pending",
                       "The customer promised to pay on a later date; no visit before it.")
    CONTACT_CAP_REACHED = ("contact_cap_reached", "The customer was met as often as the "
                           "contact-frequency caps allow (7 and 30 days).")
    ATTEMPTS_EXHAUSTED = ("attempts_exhausted", "Nobody was at home as many times in the last "
                          "seven days as the policy allows.")


EXPLANATIONS: dict[Hold, str] = {hold: hold.explanation for hold in Hold}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the history means for one customer on one day. ``until`` is the first day a hold
    may end by itself (``None``: it ends when something changes, such as a new address).
    ``parts`` are the local (start, end) minutes to visit in (``None``: any time)."""

    customer: str
    hold: Hold | None = None
    until: date | None = None
    mandatory: bool = False
    why: str = ""
    preferred_collector: str | None = None
    parts: tuple[tuple[int, int], ...] | None = None
    required_skills: frozenset[str] = field(default_factory=frozenset)
    probability_factor: float = 1.0
    paid: int = 0
    broken_promises: int = 0
    last_visit: date | None = None
    keeper: str | None = None  # who took the latest promise not yet kept: the case stays theirs


def decide_all(visits: Iterable[Visit], day: date, policy: FollowUpPolicy = DEFAULT,
               *, customers: Iterable[str] = (),
               address_updated: dict[str, date] | None = None) -> dict[str, Decision]:
    """A decision for every customer of ``visits`` and of ``customers``."""
    by_customer: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        by_customer[visit.customer].append(visit)
    for customer in customers:
        by_customer.setdefault(customer, [])
    updated = address_updated or {}
    return {customer: decide(customer, history, day, policy,
                             address_updated=updated.get(customer))
            for customer, history in by_customer.items()}


def decide(customer: str, visits: Sequence[Visit], day: date,
           policy: FollowUpPolicy = DEFAULT, *,
           address_updated: date | None = None) -> Decision:
    """The decision for ``customer`` on ``day`` from its ``visits`` (any order)."""
    history = sorted(visits, key=lambda v: v.order)
    for visit in history:
        if visit.customer != customer:
            raise InvalidHistory(f"history[{visit.id}].customer",
                                 f"{visit.customer!r} in the history of {customer!r}")
        if visit.day > day:
            raise InvalidHistory(f"history[{visit.id}].visited_at",
                                 f"after the day being planned ({day})")
    if not history:
        return Decision(customer)
    paid = sum(v.amount for v in history if v.outcome in PAYMENTS)
    broken, follow_up = _promises(history, day, policy)
    promise = _last(history, {Outcome.PROMISE_TO_PAY})
    skills = frozenset()
    complaint = _last(history, {Outcome.COMPLAINT})
    if complaint is not None and day < complaint.day + timedelta(policy.complaint_senior_days):
        skills = frozenset({policy.senior_skill})  # also while held: for who owns the case
    base = dict(customer=customer, paid=paid, broken_promises=broken,
                probability_factor=policy.broken_promise_factor ** broken,
                last_visit=history[-1].day, required_skills=skills,
                keeper=None if promise is None or _kept(history, promise, policy)
                else promise.collector)
    hold = _hold(history, day, policy, address_updated)
    if hold is not None:
        return Decision(**base, hold=hold[0], until=hold[1])
    extra: dict = {}
    if follow_up is not None:
        promise, why = follow_up
        extra = dict(mandatory=True, why=why, preferred_collector=promise.collector)
    return Decision(**base, **extra, parts=_parts(history, day, policy))


def _last(history: list[Visit], outcomes: frozenset[Outcome] | set[Outcome]) -> Visit | None:
    return next((v for v in reversed(history) if v.outcome in outcomes), None)


def _hold(history: list[Visit], day: date, policy: FollowUpPolicy,
          address_updated: date | None) -> tuple[Hold, date | None] | None:
    """The first rule that holds the customer out today, and until when."""
    if any(v.outcome is Outcome.PAID_FULL for v in history):
        return Hold.CASE_CLOSED, None
    lost = _last(history, ADDRESS_LOST)
    if lost is not None and (address_updated is None or address_updated <= lost.day):
        met_since = any(v.order > lost.order and v.outcome not in NO_CONTACT for v in history)
        if not met_since:
            return Hold.ADDRESS_UNVERIFIED, None
    for outcome, days, reason in (
            (Outcome.DISPUTE, policy.dispute_hold_days, Hold.DISPUTE_UNDER_REVIEW),
            (Outcome.COMPLAINT, policy.complaint_hold_days, Hold.ON_HOLD_AFTER_COMPLAINT)):
        last = _last(history, {outcome})
        if last is not None and day < last.day + timedelta(days):
            return reason, last.day + timedelta(days)
    promise = _last(history, {Outcome.PROMISE_TO_PAY})
    if promise is not None and day < promise.promised_for and not _kept(history, promise, policy):
        return Hold.PROMISE_PENDING, promise.promised_for
    if promise is not None and promise.promised_for == day and not _kept(history, promise,
                                                                           policy):
        return None  # the check the customer agreed to is not held back by the caps
    contacts = [v.day for v in history if v.outcome not in NO_CONTACT]
    for window, cap in ((WEEK, policy.max_contacts_per_7_days),
                        (MONTH, policy.max_contacts_per_30_days)):
        until = _capped(contacts, day, window, cap)
        if until is not None:
            return Hold.CONTACT_CAP_REACHED, until
    attempts = [v.day for v in history if v.outcome is Outcome.NOT_HOME]
    until = _capped(attempts, day, WEEK, policy.max_not_home_per_7_days)
    if until is not None:
        return Hold.ATTEMPTS_EXHAUSTED, until
    return None


def _capped(days: list[date], day: date, window: int, cap: int) -> date | None:
    """If ``cap`` of ``days`` (sorted) fall in the ``window`` days ending on ``day``, the first
    day on which fewer do."""
    recent = [d for d in days if d > day - timedelta(window)]
    if len(recent) < cap:
        return None
    return recent[-cap] + timedelta(window)


def _kept(history: list[Visit], promise: Visit, policy: FollowUpPolicy) -> bool:
    """Whether payments from the promise's visit to its date (and grace) cover it."""
    last_day = promise.promised_for + timedelta(policy.promise_grace_days)
    paid = sum(v.amount for v in history
               if v.outcome in PAYMENTS and promise.order < v.order and v.day <= last_day)
    return paid >= promise.amount or any(
        v.outcome is Outcome.PAID_FULL and v.order > promise.order for v in history)


def _promises(history: list[Visit], day: date, policy: FollowUpPolicy
              ) -> tuple[int, tuple[Visit, str] | None]:
    """The number of broken promises, and the promise to follow up today with why. A promise
    renegotiated (a new one taken on or before its date) is neither kept nor broken."""
    promises = [v for v in history if v.outcome is Outcome.PROMISE_TO_PAY]
    broken = 0
    for k, promise in enumerate(promises):
        renegotiated = k + 1 < len(promises) and promises[k + 1].day <= promise.promised_for
        due_by = promise.promised_for + timedelta(policy.promise_grace_days)
        if not renegotiated and due_by < day and not _kept(history, promise, policy):
            broken += 1
    if not promises:
        return broken, None
    promise = promises[-1]
    if _kept(history, promise, policy):
        return broken, None
    amount = f"{promise.amount / 100:,.2f}"
    if promise.promised_for == day:
        return broken, (promise, f"promise to pay {amount} due today")
    due_by = promise.promised_for + timedelta(policy.promise_grace_days)
    checked = any(v.day >= promise.promised_for and v.order > promise.order for v in history)
    if due_by < day and not checked:
        return broken, (promise, f"promise to pay {amount} on {promise.promised_for} broken, "
                                 "not yet followed up")
    return broken, None


def _parts(history: list[Visit], day: date, policy: FollowUpPolicy
           ) -> tuple[tuple[int, int], ...] | None:
    """After finding nobody at home, the parts of the day not yet tried this week (on a
    weekend day, any time: a weekend is itself another attempt)."""
    if day.weekday() >= 5:
        return None
    tried = set()
    for visit in reversed(history):
        if visit.outcome is not Outcome.NOT_HOME or visit.day <= day - timedelta(WEEK):
            break
        tried.add(policy.part_of(visit.minute))
    if not tried:
        return None
    left = tuple(part for k, part in enumerate(policy.parts_of_day) if k not in tried)
    return left or None
