"""The solver process: one per running job, so that a cancelled or runaway solve can be
stopped at once and a crash of the solver takes only its own job down."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import time

from api.db.engine import connect
from api.jobs import kinds, store

log = logging.getLogger("fieldplan.worker")

# Progress is written to the database at most this often.
_PROGRESS_EVERY = 1.0


def main(database_url: str, job_id: str, attempt: int) -> None:
    """Run one attempt of one job and record its end."""
    _die_with_parent()
    engine = connect(database_url)
    loaded = store.load(engine, job_id, attempt)
    if loaded is None:  # cancelled or taken over before this process started
        return
    kind, body = loaded
    started = time.monotonic()
    last = 0.0

    def progress(update: dict) -> None:
        nonlocal last
        if time.monotonic() - last >= _PROGRESS_EVERY:
            last = time.monotonic()
            store.report_progress(engine, job_id, attempt, update)

    try:
        outcome = kinds.run(kind, body, progress)
    except Exception as exc:
        log.exception("job %s attempt %d failed while solving", job_id, attempt)
        store.finish(engine, job_id, attempt, status=store.FAILED, result=None,
                     error=f"internal error while solving ({type(exc).__name__}); the request "
                           f"was valid: please report job {job_id}",
                     solve_seconds=time.monotonic() - started)
        return
    store.finish(engine, job_id, attempt, status=store.SUCCEEDED, result=outcome.body,
                 error=None, solve_seconds=time.monotonic() - started)
    log.info("job %s attempt %d %s in %.2f s", job_id, attempt, outcome.status,
             time.monotonic() - started)


def _die_with_parent() -> None:
    """Linux: end this process when the server that started it dies (SIGKILL included), so
    that a killed server leaves no solver running behind it."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return
    parent = os.getppid()
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)
