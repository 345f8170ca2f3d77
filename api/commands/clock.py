"""When the running command started, for its time limit: the whole command counts (start-up,
reading, checks, the solve and writing the outputs), so ``--time-limit 10`` means a command
that ends after about ten seconds.

Launched as the ``fieldplan`` program, the clock starts before anything is loaded
(``api.launch``); called in-process (tests, a script), a command's clock starts when it is
called. Writing outputs takes time after the solve: :func:`writing_seconds` estimates it, and
the solve ends that much earlier."""

from __future__ import annotations

import time
from pathlib import Path

_started: float | None = None

# Seconds per customer (or case) to write each kind of output, measured on this project's
# route sheets and maps (benchmarks/RESULTS.md): the Excel workbook dominates, at about 0.9 ms
# per planned visit, and about half the customers of a full day are visited.
_PER_ITEM = {".xlsx": 0.6e-3, ".csv": 0.02e-3, ".html": 0.02e-3, ".json": 0.01e-3}


def start(at: float) -> None:
    """Start the clock at ``at`` (``time.monotonic()``), once, at launch."""
    global _started
    _started = at


def started() -> float:
    """The instant the running command's time limit counts from."""
    return time.monotonic() if _started is None else _started


def writing_seconds(outputs: list[Path], items: int) -> float:
    """About how long writing ``outputs`` of ``items`` customers or cases takes (standard
    output, when none is named, as JSON)."""
    suffixes = [p.suffix.lower() for p in outputs] or [".json"]
    return 0.05 + sum(_PER_ITEM.get(s, 0.0) for s in suffixes) * items
