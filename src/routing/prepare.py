"""Everything derived from a problem before any search, computed once.

:func:`prepare` screens the customers by the collection rules and returns one frozen
:class:`Prepared` day: the problem, the timing of its routes (service-start windows and travel),
who may visit whom, who is left out before any search and why, and whether travel only breaks
ties. The OR-Tools model, the ruin-and-recreate search and the insertion all take it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from routing import rules
from routing.problem import Problem, TimeWindow
from routing.schedule import RouteTimer
from routing.solution import Reason


@dataclass(frozen=True, eq=False)
class Prepared:
    """A screened day, ready for the searches."""

    problem: Problem
    timer: RouteTimer  # times routes; holds each customer's service-start windows
    candidates: dict[int, tuple[int, ...]]  # customer index -> collectors who may go
    excluded: dict[int, Reason]  # customers left out before any search, with the reason
    travel_breaks_ties: bool  # see travel_breaks_ties()

    @property
    def windows(self) -> list[tuple[TimeWindow, ...]]:
        """Each customer's windows for the start of service."""
        return self.timer.windows

    @property
    def pairs(self) -> int:
        """How many (customer, collector) pairs the searches weigh."""
        return sum(len(c) for c in self.candidates.values())


def prepare(problem: Problem) -> Prepared:
    """Screen ``problem`` and derive what every search needs."""
    timer = RouteTimer(problem.customers, problem.travel.durations, problem.travel.distances)
    screening = rules.screen(problem, timer)
    return Prepared(problem, timer, screening.candidates, screening.excluded,
                    travel_breaks_ties(problem, screening.candidates))


def travel_breaks_ties(problem: Problem, candidates: Iterable[int]) -> bool:
    """Whether no amount of driving the collectors' shifts allow outweighs the least valuable
    optional customer among ``candidates`` (customer indices), as in the TOPTW: travel then only
    breaks ties between plans of equal value."""
    customers = problem.customers
    values = [customers[i].value for i in candidates
              if not customers[i].mandatory and customers[i].value > 0]
    if not values:
        return False
    shifts = sum(max(0, c.shift_end - c.shift_start) for c in problem.collectors)
    return shifts * problem.policy.travel_cost_per_hour < min(values) * 3600
