"""Errors raised by the allocation engine."""

from common.errors import InvalidInput


class AllocationError(Exception):
    """Base class of every error the allocation engine raises."""


class InvalidAllocation(AllocationError, InvalidInput):
    """The allocation problem breaks an invariant; ``field`` names the offending part."""
