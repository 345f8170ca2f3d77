"""Case allocation engine: which collector owns which case, fairly and within capacity.

Build an :class:`AllocationProblem` (cents, minutes, metres), call :func:`solve`, read the
:class:`AllocationResult`.
"""

from allocation.exceptions import AllocationError, InvalidAllocation
from allocation.problem import AllocationProblem, Case, Collector, Options, Policy
from allocation.solution import (AllocationResult, CaseAllocation, CollectorLoad, Placement,
                                 Unallocated, UnallocatedCase)
from allocation.solve import solve

__all__ = [
    "AllocationError", "AllocationProblem", "AllocationResult", "Case", "CaseAllocation",
    "Collector", "CollectorLoad", "InvalidAllocation", "Options", "Placement", "Policy",
    "Unallocated", "UnallocatedCase", "solve",
]
