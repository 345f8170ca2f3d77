"""How long a search may run: a deadline, and in deterministic mode a number of steps.

Both engines take one :class:`Budget` and hand named shares of it to their phases, instead of
re-deriving seconds at each step. The deadline is a ``time.monotonic()`` instant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Budget:
    """Until ``deadline``; with ``max_steps``, that many steps (the same work on every machine),
    the deadline then only a backstop."""

    deadline: float
    max_steps: int | None = None

    @classmethod
    def seconds(cls, seconds: float, *, max_steps: int | None = None,
                started: float | None = None) -> Budget:
        """``seconds`` from ``started`` (default: now)."""
        started = time.monotonic() if started is None else started
        return cls(started + seconds, max_steps)

    def share(self, fraction: float) -> Budget:
        """The first ``fraction`` of the time left, as a budget of its own."""
        now = time.monotonic()
        return replace(self, deadline=now + (self.deadline - now) * fraction)

    def less(self, seconds: float) -> Budget:
        """This budget ending ``seconds`` earlier (e.g. kept back for a final check)."""
        return replace(self, deadline=self.deadline - seconds)

    def left(self) -> float:
        """Seconds until the deadline (0 once it has passed)."""
        return max(0.0, self.deadline - time.monotonic())

    def spent(self, steps: int = 0) -> bool:
        """Whether the deadline has passed or ``steps`` reach the step budget."""
        return time.monotonic() >= self.deadline or (
            self.max_steps is not None and steps >= self.max_steps)
