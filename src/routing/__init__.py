"""Daily visit-plan engine: whom each collector visits today, in what order, within the law.

Build a :class:`Problem` (integer seconds, metres and value units), call :func:`solve`, read the
:class:`Plan`.
"""

from common.lazy import lazy_names
from routing.exceptions import InvalidProblem, RoutingError
from routing.problem import (Break, Collector, Customer, Options, Policy, Problem, TimeWindow,
                             TravelMatrix)
from routing.solution import (Plan, Reason, Route, Status, Step, StepKind, Summary,
                              Unassigned)
from routing.travel import custom_matrix, geodesic_matrix

__all__ = [
    "Break", "Collector", "Customer", "InvalidProblem", "Options", "Plan", "Policy", "Problem",
    "Reason", "Route", "RoutingError", "Status", "Step", "StepKind", "Summary", "TimeWindow",
    "TravelMatrix", "Unassigned", "custom_matrix", "geodesic_matrix", "solve", "warm_up",
]


# The solver (OR-Tools and the compiled search) loads on first use.
__getattr__ = lazy_names(globals(), {"solve": "routing.solve:solve",
                                     "warm_up": "routing.search.driver:warm_up"})
