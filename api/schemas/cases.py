"""The case file over HTTP: reported outcomes in, a case's history and state out."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas.common import Strict
from api.schemas.follow_up import OutcomeIn, VisitIn


class OutcomesIn(Strict):
    """A batch of visit outcomes, recorded whole or not at all."""

    outcomes: list[OutcomeIn] = Field(min_length=1, max_length=100_000)


class OutcomesOut(BaseModel):
    """How many outcomes were new, and how many were there already with the same content."""

    added: int
    unchanged: int


class StateOut(BaseModel):
    """What the follow-up policy makes of the case on ``date``."""

    date: date
    due: bool = Field(description="may be planned that day")
    hold: str | None = Field(description="why not, when it is held out")
    until: date | None
    mandatory: bool
    why: str
    preferred_collector: str | None
    required_skills: list[str]
    probability_factor: float
    paid: float = Field(description="paid so far, in the lender's currency")
    broken_promises: int


class CaseOut(BaseModel):
    """A case of the case file: its visits (oldest first) and its state."""

    id: str
    address_updated: date | None
    visits: list[VisitIn]
    state: StateOut
