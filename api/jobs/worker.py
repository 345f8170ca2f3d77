"""The solver process: one per running job, so that a cancelled or runaway solve can be
stopped at once and a crash of the solver takes only its own job down."""

from __future__ import annotations

import logging
import os
import threading
import time
from multiprocessing.connection import Connection

from api.db.engine import connect
from api.jobs import kinds, store
from common.errors import InvalidInput

log = logging.getLogger("fieldplan.worker")

# Progress is written to the database at most this often.
_PROGRESS_EVERY = 1.0


def main(database_url: str, job_id: str, attempt: int, server: Connection) -> None:
    """Run one attempt of one job and record its end. ``server`` is the reading end of a pipe
    that only the server writes to: it closes when the server dies."""
    threading.Thread(target=_end_with_server, args=(server,), daemon=True).start()
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    engine = connect(database_url)
    loaded = store.load(engine, job_id, attempt)
    if loaded is None:  # cancelled or taken over before this process started
        return
    kind, body = loaded
    started = time.monotonic()
    last = 0.0
    latest: dict | None = None

    def progress(update: dict) -> None:
        nonlocal last, latest
        latest = update
        if time.monotonic() - last >= _PROGRESS_EVERY:
            last = time.monotonic()
            store.report_progress(engine, job_id, attempt, update)

    try:
        outcome = kinds.run(kind, body, progress)
    except InvalidInput as exc:  # met only when solving: a routing service that cannot time it
        log.warning("job %s attempt %d cannot be solved: %s", job_id, attempt, exc)
        store.finish(engine, job_id, attempt, status=store.FAILED, result=None,
                     error=f"{exc.field}: {exc.reason}",
                     solve_seconds=time.monotonic() - started)
        return
    except Exception as exc:
        log.exception("job %s attempt %d failed while solving", job_id, attempt)
        store.finish(engine, job_id, attempt, status=store.FAILED, result=None,
                     error=f"internal error while solving ({type(exc).__name__}); the request "
                           f"was valid: please report job {job_id}",
                     solve_seconds=time.monotonic() - started)
        return
    store.finish(engine, job_id, attempt, status=store.SUCCEEDED, result=outcome.body,
                 error=None, solve_seconds=time.monotonic() - started, progress=latest)
    log.info("job %s attempt %d %s in %.2f s", job_id, attempt, outcome.status,
             time.monotonic() - started)


def _end_with_server(server: Connection) -> None:
    """End this process as soon as the server that started it is gone (killed with SIGKILL
    too): a killed server leaves no solve behind; the job is taken over by the next server."""
    try:
        server.recv()
    except (EOFError, OSError):
        pass
    os._exit(70)
