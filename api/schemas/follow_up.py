"""Visit histories in a request, and the follow-up policy's settings (``followup``): the JSON
side of the rules that turn each customer's past visits into today's decision."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator, model_validator

from api.schemas.common import MAX_MONEY, Id, Strict, cents, seconds_between
from followup import Decision, FollowUpPolicy, Hold, Outcome, Visit, decide
from followup.policy import DEFAULT
from routing import Customer, TimeWindow


class VisitIn(Strict):
    """One past visit and how it ended."""

    id: Id = Field(description="the visit's own id (unique per lender)")
    collector: Id = Field(description="who made the visit (need not work today)")
    visited_at: AwareDatetime
    outcome: Outcome
    amount: float = Field(0.0, ge=0, le=MAX_MONEY, validate_default=True, description=(
        "paid (paid_full, paid_partial) or promised (promise_to_pay)"))
    promised_for: date | None = Field(None, validate_default=True,
                                      description="promise_to_pay: the day it is due")
    notes_code: str | None = Field(None, max_length=50)

    @field_validator("amount")
    @classmethod
    def _amount(cls, amount: float, info: ValidationInfo) -> float:
        if info.data.get("outcome") is Outcome.PAID_PARTIAL and amount <= 0:
            raise ValueError("a paid_partial visit needs its amount")
        return amount

    @field_validator("promised_for")
    @classmethod
    def _promise(cls, promised_for: date | None, info: ValidationInfo) -> date | None:
        outcome, visited_at = info.data.get("outcome"), info.data.get("visited_at")
        if outcome is Outcome.PROMISE_TO_PAY:
            if promised_for is None:
                raise ValueError("a promise_to_pay needs promised_for")
            if visited_at is not None and promised_for < visited_at.date():
                raise ValueError(f"the promise ({promised_for}) is dated before the visit "
                                 f"({visited_at.date()})")
        elif promised_for is not None and outcome is not None:
            raise ValueError(f"only a promise_to_pay has promised_for, not {outcome}")
        return promised_for


class OutcomeIn(VisitIn):
    """A visit outcome as reported by the field: the visit and whose case it was."""

    customer: Id


class FollowUpIn(Strict):
    """The follow-up policy (``followup.policy`` documents each rule and its default)."""

    version: str = Field(DEFAULT.version, description="the rule set these settings belong to")
    max_contacts_per_7_days: int = Field(DEFAULT.max_contacts_per_7_days, ge=1, le=100)
    max_contacts_per_30_days: int = Field(DEFAULT.max_contacts_per_30_days, ge=1, le=300)
    max_not_home_per_7_days: int = Field(DEFAULT.max_not_home_per_7_days, ge=1, le=100)
    complaint_hold_days: int = Field(DEFAULT.complaint_hold_days, ge=0, le=3650)
    complaint_senior_days: int = Field(DEFAULT.complaint_senior_days, ge=0, le=3650)
    senior_skill: Id = DEFAULT.senior_skill
    dispute_hold_days: int = Field(DEFAULT.dispute_hold_days, ge=0, le=3650)
    promise_grace_days: int = Field(DEFAULT.promise_grace_days, ge=0, le=365)
    broken_promise_factor: float = Field(DEFAULT.broken_promise_factor, gt=0, le=1)

    @model_validator(mode="after")
    def _known_version(self) -> FollowUpIn:
        if self.version != DEFAULT.version:
            raise ValueError(f"unknown rule set {self.version!r}; this service applies "
                             f"{DEFAULT.version!r}")
        return self

    def policy(self) -> FollowUpPolicy:
        return FollowUpPolicy(**self.model_dump())


def decision(customer_id: str, history: list[VisitIn], address_updated: date | None,
             day: date, zone: ZoneInfo, policy: FollowUpPolicy) -> Decision:
    """The policy's decision for one customer of a request, its visits read in ``zone``."""
    visits = []
    for visit in history:
        local = visit.visited_at.astimezone(zone)
        visits.append(Visit(visit.id, customer_id, visit.collector, local.date(),
                            local.hour * 60 + local.minute, visit.outcome, cents(visit.amount),
                            visit.promised_for, visit.notes_code))
    return decide(customer_id, visits, day, policy, address_updated=address_updated)


@dataclass(frozen=True)
class Held:
    """A customer the follow-up policy keeps out of today's plan, and until when."""

    customer: str
    reason: Hold
    until: date | None
    mandatory: bool


def shaped(customer: Customer, decided: Decision, known: set[str], day: date,
                 zone: ZoneInfo, origin: datetime) -> Customer:
    """``customer`` as its history shapes it: mandatory for a promise, and then only for the
    collector who took it (if working today and allowed), a senior after a complaint, the chance to pay lowered by
    broken promises, the last visit from the history, and the parts of the day not yet tried
    (where they meet the customer's own windows; else the customer's windows stand)."""
    windows = customer.time_windows
    if decided.parts is not None:
        parts = [TimeWindow(
            seconds_between(origin, datetime.combine(day, time(0), zone)) + 60 * start,
            seconds_between(origin, datetime.combine(day, time(0), zone)) + 60 * end)
            for start, end in decided.parts]
        meet = tuple(w for p in parts for own in windows
                     if (w := own.intersect(p)) is not None
                     and w.end - w.start >= customer.service_duration)
        windows = meet or windows
    last = decided.last_visit
    since = None if last is None else (day - last).days
    if customer.days_since_last_visit is not None:
        since = customer.days_since_last_visit if since is None else min(
            since, customer.days_since_last_visit)
    preferred = decided.preferred_collector
    allowed = customer.allowed_collectors
    if decided.mandatory and preferred in known and (allowed is None or preferred in allowed):
        allowed = frozenset({preferred})  # the promise is checked by whoever took it
    return replace(
        customer, value=round(customer.value * decided.probability_factor),
        time_windows=windows, mandatory=customer.mandatory or decided.mandatory,
        required_skills=customer.required_skills | decided.required_skills,
        preferred_collector=preferred if preferred in known else customer.preferred_collector,
        allowed_collectors=allowed,
        days_since_last_visit=since)
