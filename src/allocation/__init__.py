"""Case allocation engine: which collector owns which case, fairly and within capacity.

Build an :class:`AllocationProblem` (cents, minutes, metres), call :func:`solve`, read the
:class:`AllocationResult`.
"""

from allocation.exceptions import AllocationError, InvalidAllocation
from allocation.problem import AllocationProblem, Case, Collector, Options, Policy
from allocation.solution import (AllocationResult, CaseAllocation, CollectorLoad, Placement,
                                 Unallocated, UnallocatedCase)

__all__ = [
    "AllocationError", "AllocationProblem", "AllocationResult", "Case", "CaseAllocation",
    "Collector", "CollectorLoad", "InvalidAllocation", "Options", "Placement", "Policy",
    "Unallocated", "UnallocatedCase", "solve", "warm_up",
]


def __getattr__(name: str):
    # The solver (CP-SAT and the flow model) loads on first use, so that importing the
    # problem types, or running ``fieldplan --help``, does not pay for it.
    if name == "solve":
        from allocation.solve import solve

        # Importing the submodule bound its name to the module: bind the function instead.
        globals()["solve"] = solve
        return solve
    if name == "warm_up":
        return _warm_up
    raise AttributeError(f"module 'allocation' has no attribute {name!r}")


def _warm_up() -> None:
    """Load the solver now, so that the first solve does not pay for it inside its limit."""
    __getattr__("solve")
