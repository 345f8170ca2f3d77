"""Visit outcomes as data: what happened at each visit, in the customer's local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from common.errors import InvalidInput


class InvalidHistory(InvalidInput):
    """A visit of a history breaks an invariant; ``field`` names the offending part."""


class Outcome(StrEnum):
    """How a visit ended."""

    PAID_FULL = "paid_full"
    PAID_PARTIAL = "paid_partial"
    PROMISE_TO_PAY = "promise_to_pay"
    NOT_HOME = "not_home"
    REFUSED = "refused"
    THIRD_PARTY_CONTACT = "third_party_contact"
    WRONG_ADDRESS = "wrong_address"
    MOVED = "moved"
    COMPLAINT = "complaint"
    DISPUTE = "dispute"


# Outcomes where nobody was met at the customer's address: not a contact, for frequency caps.
NO_CONTACT = frozenset({Outcome.NOT_HOME, Outcome.WRONG_ADDRESS, Outcome.MOVED})
ADDRESS_LOST = frozenset({Outcome.WRONG_ADDRESS, Outcome.MOVED})
PAYMENTS = frozenset({Outcome.PAID_FULL, Outcome.PAID_PARTIAL})


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit: ``day`` and ``minute`` (of the day) in the customer's local time; ``amount``
    in cents, paid (``paid_*``) or promised (``promise_to_pay``, due on ``promised_for``)."""

    id: str
    customer: str
    collector: str
    day: date
    minute: int
    outcome: Outcome
    amount: int = 0
    promised_for: date | None = None
    notes_code: str | None = None

    def __post_init__(self) -> None:
        where = f"history[{self.id}]"
        if not 0 <= self.minute < 24 * 60:
            raise InvalidHistory(f"{where}.visited_at", "the minute of the day is out of range")
        if self.amount < 0:
            raise InvalidHistory(f"{where}.amount", "must not be negative")
        if self.outcome is Outcome.PROMISE_TO_PAY:
            if self.promised_for is None:
                raise InvalidHistory(f"{where}.promised_for", "a promise to pay needs its date")
            if self.promised_for < self.day:
                raise InvalidHistory(f"{where}.promised_for",
                                     f"the promise ({self.promised_for}) is dated before the "
                                     f"visit ({self.day})")
        elif self.promised_for is not None:
            raise InvalidHistory(f"{where}.promised_for",
                                 f"only a promise_to_pay has one, not {self.outcome}")
        if self.outcome is Outcome.PAID_PARTIAL and self.amount == 0:
            raise InvalidHistory(f"{where}.amount", "a partial payment needs its amount")

    @property
    def order(self) -> tuple[date, int, str]:
        """Chronological order (the id breaks ties)."""
        return self.day, self.minute, self.id
