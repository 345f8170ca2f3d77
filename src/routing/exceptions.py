"""Errors raised by the routing engine.

Each carries a message meant for a person; adapters map them to exit codes or HTTP statuses.
"""


class RoutingError(Exception):
    """Base class of every error the routing engine raises."""


class InvalidProblem(RoutingError, ValueError):
    """The problem breaks an invariant; ``field`` names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
