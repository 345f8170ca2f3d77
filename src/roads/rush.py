"""Rush hours: how much slower a city's roads are at given hours of the day, as a factor of
free-flow speed per hour (0.6: travel takes 1 / 0.6 = 1.67 times as long), for the profiles
that sit in the traffic (cars by default; electric two-wheelers filter through it).

A day's travel times do not change within the day: the day is timed at one hour's factor —
the slowest hour its shifts cover unless the request names an hour — so that a plan is never
late because of a rush hour it spans."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from roads.errors import RoadsError
from roads.profiles import PROFILES

_SPAN = re.compile(r"^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*=\s*([0-9.]+)\s*$")


@dataclass(frozen=True, eq=False)
class RushHours:
    """A factor of free-flow speed per hour of the day (24 of them), and who it slows."""

    factors: np.ndarray
    profiles: tuple[str, ...] = ("drive",)

    @classmethod
    def none(cls) -> RushHours:
        return cls(np.ones(24))

    def slowest(self, profile: str, hours: Iterable[int]) -> tuple[float, int | None]:
        """The smallest factor over ``hours`` for ``profile`` and its hour (1 and None when
        nothing slows it)."""
        if profile not in self.profiles:
            return 1.0, None
        hours = sorted({int(h) % 24 for h in hours})
        if not hours:
            return 1.0, None
        worst = min(hours, key=lambda h: (self.factors[h], h))
        return (float(self.factors[worst]), worst) if self.factors[worst] < 1 else (1.0, None)

    def digest(self) -> list:
        """What of the rush hours shapes a matrix (for cache keys)."""
        return [np.round(self.factors, 4).tolist(), list(self.profiles)]


def parse(spans: Iterable[str], profiles: Iterable[str] = ("drive",)) -> RushHours:
    """Rush hours from spans written ``7-9=0.6`` (from 07:00 to 09:00, 0.6 of free-flow
    speed; ``22-6`` wraps past midnight). Raises ``RoadsError`` naming the span at fault."""
    factors = np.ones(24)
    for span in spans:
        found = _SPAN.match(span)
        if found is None:
            raise RoadsError("rush_hours", f"{span!r}: write FROM-TO=FACTOR in whole hours, "
                                           "e.g. 17-19=0.6")
        start, end, factor = int(found[1]), int(found[2]), float(found[3])
        if not (0 <= start <= 23 and 0 <= end <= 24 and start != end % 24):
            raise RoadsError("rush_hours", f"{span!r}: hours are 0 to 24, and a span ends "
                                           "after it starts")
        if not 0.05 <= factor <= 1:
            raise RoadsError("rush_hours", f"{span!r}: the factor is a share of free-flow "
                                           "speed, from 0.05 to 1")
        hours = range(start, end) if start < end else [*range(start, 24), *range(0, end % 24)]
        for hour in hours:
            factors[hour] = min(factors[hour], factor)
    chosen = tuple(dict.fromkeys(p.strip() for p in profiles if p.strip()))
    unknown = [p for p in chosen if p not in PROFILES]
    if unknown or not chosen:
        raise RoadsError("rush_profiles", f"{unknown or 'none'}: give some of "
                                          f"{', '.join(PROFILES)}")
    return RushHours(factors, chosen)
