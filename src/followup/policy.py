"""The follow-up rules and their defaults, in one place. ``version`` names the rule set, so a
plan can say which rules made it; change it when a rule's meaning changes.

The defaults follow common practice in field collection and the contact-frequency rules the
README cites: at most two visits with contact in any seven days and six in thirty (a visit that
met nobody is not a contact but an attempt, capped separately), no visit before a promise
falls due, a promise checked on its due day by the collector who took it, a complaint or a
dispute pausing all visits, and no visit at an address known to be wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.errors import InvalidInput

MORNING, AFTERNOON, EVENING = (8 * 60, 12 * 60), (12 * 60, 17 * 60), (17 * 60, 22 * 60)


@dataclass(frozen=True)
class FollowUpPolicy:
    """How a visit history shapes the next visits (days are calendar days, local time)."""

    version: str = "2026-12"
    # Contact-frequency caps over rolling windows ending today (visits with contact).
    max_contacts_per_7_days: int = 2
    max_contacts_per_30_days: int = 6
    # Visits that found nobody at home, within the last seven days, before the case rests.
    max_not_home_per_7_days: int = 3
    # Parts of the day (local minutes) a failed attempt moves the next one away from.
    parts_of_day: tuple[tuple[int, int], ...] = (MORNING, AFTERNOON, EVENING)
    # A complaint stops visits for this many days; after that, only a collector with the skill
    # goes, for the rest of the senior period.
    complaint_hold_days: int = 14
    complaint_senior_days: int = 90
    senior_skill: str = "senior"
    # A dispute (of the debt itself) stops visits while it is reviewed.
    dispute_hold_days: int = 30
    # A promise unpaid this many days after its date is broken (and followed up at once).
    promise_grace_days: int = 0
    # Each broken promise multiplies the probability to pay by this factor.
    broken_promise_factor: float = 0.7

    def __post_init__(self) -> None:
        for name in ("max_contacts_per_7_days", "max_contacts_per_30_days",
                     "max_not_home_per_7_days"):
            if getattr(self, name) < 1:
                raise InvalidInput(f"policy.follow_up.{name}", "must be at least 1")
        for name in ("complaint_hold_days", "complaint_senior_days", "dispute_hold_days",
                     "promise_grace_days"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"policy.follow_up.{name}", "must not be negative")
        if not 0 < self.broken_promise_factor <= 1:
            raise InvalidInput("policy.follow_up.broken_promise_factor", "must be in (0, 1]")
        for start, end in self.parts_of_day:
            if not 0 <= start < end <= 24 * 60:
                raise InvalidInput("policy.follow_up.parts_of_day",
                                   "each part is [start, end) minutes within one day")

    def part_of(self, minute: int) -> int | None:
        """The index of the part of the day holding ``minute``, if any."""
        for k, (start, end) in enumerate(self.parts_of_day):
            if start <= minute < end:
                return k
        return None


DEFAULT = FollowUpPolicy()
