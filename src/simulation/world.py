"""Debtors, their hidden propensities, and what happens when a collector knocks.

A debtor is at home with a chance that depends on the part of the day (and is higher on a
weekend); a wrong address never answers. At home, a debtor may complain (more often when
visited again within three days), pay part of the balance at once, promise to pay on a later day,
or refuse (paying and promising less often when visited again within three days). A promise is
kept only at a visit on or after its due day, with the debtor's chance
to keep promises; a promise nobody checks is not kept. Money is in cents.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from followup import Outcome


@dataclass(frozen=True)
class Traits:
    """Chances: at home by part of the day (08-12, 12-17, 17-22) on a weekday, and on a
    weekend day; to pay at a visit, to promise, to keep a promise, to complain."""

    home: tuple[float, float, float]
    home_weekend: float
    pay: float
    promise: float
    keep: float
    complain: float


@dataclass(frozen=True)
class Profile:
    """How a population behaves on average, and its share of wrong addresses."""

    name: str
    traits: Traits
    wrong_address: float = 0.04


PROFILES = {
    # Working households: often out in the day, home in the evening; promises mostly kept.
    "standard": Profile("standard", Traits((0.45, 0.40, 0.75), 0.70, 0.10, 0.35, 0.65, 0.02)),
    # Mostly home only in the evening, promises kept less often, quicker to complain.
    "evening": Profile("evening", Traits((0.20, 0.25, 0.80), 0.60, 0.08, 0.35, 0.45, 0.03)),
}


@dataclass(frozen=True)
class Debtor:
    """A customer and what nobody in the plan may see: the traits."""

    id: str
    lat: float
    lon: float
    balance: int               # cents owed at the start
    days_past_due: int
    probability_to_pay: float  # what the lender's score says (the plan sees this)
    traits: Traits
    wrong_address: bool


@dataclass(frozen=True)
class Visited:
    """What a visit brought: the outcome, cents paid, and a promise's amount and date."""

    outcome: Outcome
    paid: int = 0
    promised: int = 0
    promised_for: date | None = None


def book(cases: int, profile: Profile, *, seed: int, centre: tuple[float, float],
         spread_km: float) -> list[Debtor]:
    """``cases`` debtors around ``centre``, drawn with ``seed``."""
    rng = random.Random(seed)
    debtors = []
    for k in range(cases):
        dpd = rng.choice([35, 50, 65, 80, 95, 120, 150, 200])
        score = max(0.03, min(0.6, rng.gauss(0.35 - dpd / 600, 0.08)))
        shade = rng.uniform(0.6, 1.4)  # this household against its profile
        mean = profile.traits
        traits = Traits(home=tuple(min(0.95, p * shade) for p in mean.home),
                        home_weekend=min(0.95, mean.home_weekend * shade),
                        pay=mean.pay * score / 0.3, promise=mean.promise,
                        keep=min(0.95, mean.keep * rng.uniform(0.7, 1.3)),
                        complain=mean.complain * rng.uniform(0.5, 1.5))
        debtors.append(Debtor(
            id=f"K{k + 1:05d}",
            lat=centre[0] + rng.gauss(0, spread_km / 111),
            lon=centre[1] + rng.gauss(0, spread_km / 95),
            balance=int(rng.lognormvariate(9.2, 0.6)) * 100, days_past_due=dpd,
            probability_to_pay=round(score, 3), traits=traits,
            wrong_address=rng.random() < profile.wrong_address))
    return debtors


def visit_outcome(debtor: Debtor, day: date, minute: int, owed: int,
                  open_promise: tuple[int, date] | None, visited_recently: bool,
                  rng: random.Random) -> Visited:
    """The outcome of a visit at ``minute`` (local) on ``day`` to a debtor who owes ``owed``
    cents and may have an open promise ``(amount, due)``."""
    if debtor.wrong_address:
        return Visited(Outcome.WRONG_ADDRESS)
    part = 0 if minute < 12 * 60 else 1 if minute < 17 * 60 else 2
    traits = debtor.traits
    home = traits.home_weekend if day.weekday() >= 5 else traits.home[part]
    if rng.random() >= home:
        return Visited(Outcome.THIRD_PARTY_CONTACT if rng.random() < 0.15 else Outcome.NOT_HOME)
    if rng.random() < traits.complain * (6 if visited_recently else 1):
        return Visited(Outcome.COMPLAINT)
    fatigue = 0.4 if visited_recently else 1.0  # asked again within three days: less willing
    if open_promise is not None and day >= open_promise[1] and rng.random() < traits.keep:
        paid = min(owed, open_promise[0])
        return Visited(Outcome.PAID_FULL if paid >= owed else Outcome.PAID_PARTIAL, paid=paid)
    if rng.random() < traits.pay * fatigue:
        paid = owed if owed <= 300_00 or rng.random() < 0.3 else owed // 3
        return Visited(Outcome.PAID_FULL if paid >= owed else Outcome.PAID_PARTIAL, paid=paid)
    if open_promise is None and rng.random() < traits.promise * fatigue:
        amount = max(100, owed // 2)
        return Visited(Outcome.PROMISE_TO_PAY, promised=amount,
                       promised_for=day + timedelta(rng.randint(2, 6)))
    return Visited(Outcome.REFUSED)
