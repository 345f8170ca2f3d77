"""The status line of a solve on the terminal: the best objective so far, which never moves
the wrong way, and a clock that ticks with every refresh (not only when a solution comes)."""

from __future__ import annotations

import time
from collections.abc import Callable


class ProgressLine:
    """A renderable status text: ``what``, the best objective and bound heard so far, and the
    seconds since ``started`` out of ``limit``. Objectives are maximised: the best shown is the
    highest heard, the bound the lowest heard (never below the best)."""

    def __init__(self, what: str, limit: float, started: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.what, self.limit, self.started, self.clock = what, limit, started, clock
        self.best: float | None = None
        self.bound: float | None = None

    def heard(self, progress: dict) -> None:
        """Take a progress dict (``best_objective``, optionally ``bound``)."""
        best, bound = progress.get("best_objective"), progress.get("bound")
        if best is not None and (self.best is None or best > self.best):
            self.best = best
        if bound is not None and (self.bound is None or bound < self.bound):
            self.bound = bound

    def text(self) -> str:
        """The line as it reads now."""
        clock = f"{self.clock() - self.started:.0f}/{self.limit:g} s"
        if self.best is None:
            return f"{self.what} ({clock})"
        bound = "" if self.bound is None else f", bound {max(self.bound, self.best):,.2f}"
        return f"{self.what.split()[0]}: best objective so far {self.best:,.2f}{bound} ({clock})"

    def __rich__(self) -> str:
        return self.text()
