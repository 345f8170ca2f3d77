"""Errors raised by the routing engine (``common.errors`` says what they carry)."""

from common.errors import InvalidInput


class RoutingError(Exception):
    """Base class of every error the routing engine raises."""


class InvalidProblem(RoutingError, InvalidInput):
    """The day-plan problem breaks an invariant; ``field`` names the offending part."""
