"""Errors raised by the allocation engine."""


class AllocationError(Exception):
    """Base class of every error the allocation engine raises."""


class InvalidAllocation(AllocationError, ValueError):
    """The problem breaks an invariant; ``field`` names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
