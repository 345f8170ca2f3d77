"""Case allocation engine: which collector owns which case, fairly and within capacity.

Build an :class:`AllocationProblem` (cents, minutes, metres), call :func:`solve`, read the
:class:`AllocationResult`.
"""

from allocation.exceptions import AllocationError, InvalidAllocation
from allocation.problem import AllocationProblem, Case, Collector, Options, Policy
from allocation.solution import (AllocationResult, CaseAllocation, CollectorLoad, Placement,
                                 Unallocated, UnallocatedCase)
from common.lazy import lazy_names

__all__ = [
    "AllocationError", "AllocationProblem", "AllocationResult", "Case", "CaseAllocation",
    "Collector", "CollectorLoad", "InvalidAllocation", "Options", "Placement", "Policy",
    "Unallocated", "UnallocatedCase", "solve", "warm_up",
]


# The solver (CP-SAT and the flow model) loads on first use.
__getattr__ = lazy_names(globals(), {"solve": "allocation.solve:solve",
                                     "warm_up": "allocation.solve:warm_up"})
