"""The follow-up policy: what a customer's visit history means for a given day.

Visits in, one :class:`Decision` per customer out: due or held (with the reason), mandatory,
who should go, in which part of the day, with which skill, and how the history changes the
chance to pay. Pure domain code used by the day plan and the allocation alike; every rule and
its default lives in :mod:`followup.policy`.
"""

from followup.decide import Decision, Hold, decide, decide_all
from followup.history import InvalidHistory, Outcome, Visit
from followup.policy import FollowUpPolicy

__all__ = ["Decision", "FollowUpPolicy", "Hold", "InvalidHistory", "Outcome", "Visit", "decide",
           "decide_all"]
