"""What both engines raise when a problem breaks an invariant.

Each carries a message meant for a person; adapters map them to exit codes or HTTP statuses.
"""


class InvalidInput(ValueError):
    """The problem breaks an invariant; ``field`` names the offending part."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def __reduce__(self):  # raised in another process (a cluster's worker), re-raised here
        return type(self), (self.field, self.reason)
