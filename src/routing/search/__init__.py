"""Ruin and recreate: improving a day plan with compiled string removals and best insertions.

The method is slack induction by string removals (SISR, Christiaens and Vanden Berghe, 2020),
kept by simulated annealing; where travel only breaks ties (value is all, as in the TOPTW), a
share of the steps instead re-plans a short stretch of a route exactly. Steps cost microseconds
because they run compiled (Numba) on integer arrays. One module per part:

- :mod:`~routing.search.params`: every tuning value, in :class:`SearchParams`;
- :mod:`~routing.search.arrays`: the prepared day packed into integer arrays;
- :mod:`~routing.search.timing`: the compiled route timing (the rules of routing.schedule);
- :mod:`~routing.search.insert`: best insertion; :mod:`~routing.search.ruin`: string removals;
- :mod:`~routing.search.segment`: the exact re-planning of a stretch;
- :mod:`~routing.search.anneal`: temperatures and the compiled run of steps;
- :mod:`~routing.search.driver`: the recipe, :func:`improve`, and :func:`warm_up`.

The objective is the routing model's: value (with the relationship bonus) minus travel cost,
a mandatory customer left out costing more than any plan is worth, minus the balance cost of
the busiest route. The caller re-times the routes with :class:`routing.schedule.RouteTimer`
before taking them. How the search works, with its measurements, is in ``docs/search.md``.
"""

from routing.search.driver import improve, warm_up
from routing.search.params import DEFAULT, SearchParams

__all__ = ["DEFAULT", "SearchParams", "improve", "warm_up"]
