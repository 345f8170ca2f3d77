"""Daily visit-plan engine: whom each collector visits today, in what order, within the law.

Build a :class:`Problem` (integer seconds, metres and value units), call :func:`solve`, read the
:class:`Plan`.
"""

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


def __getattr__(name: str):
    # The solver (OR-Tools and the compiled search) loads on first use, so that importing the
    # problem types, or running ``fieldplan --help``, does not pay for it.
    if name == "solve":
        from routing.solve import solve

        # Importing the submodule bound its name to the module: bind the function instead.
        globals()["solve"] = solve
        return solve
    if name == "warm_up":
        from routing.search import warm_up

        return warm_up
    raise AttributeError(f"module 'routing' has no attribute {name!r}")
