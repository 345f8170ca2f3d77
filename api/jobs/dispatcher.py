"""Starts queued jobs in solver processes, up to the configured number at once.

The queue itself is the ``jobs`` table: a server claims a job with a conditional update, keeps
a heartbeat on the jobs it runs, and takes over running jobs whose server has gone quiet. So
work survives a crash, and several servers can share one database."""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for

from sqlalchemy import Engine

from api import metrics
from api.config import Settings
from api.jobs import store, worker

log = logging.getLogger("fieldplan.jobs")

_HEARTBEAT_EVERY = 2.0
_PURGE_EVERY = 3600.0


@dataclass
class _Running:
    process: multiprocessing.process.BaseProcess
    lifeline: Connection  # held open while this server lives; see worker.main
    attempt: int
    started: float
    deadline: float


class Dispatcher:
    """One per server process; runs in a background thread."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running: dict[str, _Running] = {}
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._loop, name="fieldplan-dispatcher",
                                        daemon=True)
        # A fork server started before any thread of ours imports the engines once; each solver
        # process is then a cheap fork of it, never of this multi-threaded server.
        self._context = multiprocessing.get_context("forkserver")
        # Each solver process runs the main script again (as __mp_main__): with the command
        # line's modules preloaded too, that costs nothing instead of a quarter of a second.
        # The engines, warmed up, load there too (api.jobs.preload).
        self._context.set_forkserver_preload(["api.jobs.preload", "api.jobs.worker", "api.cli"])
        self.alive = False
        self.generation = 0  # counts solves ended here; waiters re-read the database on change

    def start(self) -> None:
        """Start dispatching (and take over jobs left behind by a crash)."""
        self.alive = True
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching and end the running solves; their jobs go back to the queue."""
        self._stop.set()
        self.poke()
        self._thread.join(timeout=10)
        for job_id, run in list(self._running.items()):
            run.process.kill()
            run.process.join(timeout=5)
            run.lifeline.close()
            # Hand the job over at once rather than after the lease expires.
            store.release(self.engine, job_id, run.attempt)
        self._running.clear()
        self.alive = False
        os.close(self._wake_r)
        os.close(self._wake_w)

    def poke(self) -> None:
        """Something changed (a job was submitted or cancelled): look now."""
        try:
            os.write(self._wake_w, b"!")
        except OSError:
            pass

    @property
    def running(self) -> int:
        """Solves running in this server now."""
        return len(self._running)

    def _loop(self) -> None:
        last_heartbeat = last_takeover = last_purge = 0.0
        while not self._stop.is_set():
            try:
                moment = time.monotonic()
                if moment - last_purge >= _PURGE_EVERY:
                    last_purge = moment
                    purged = store.purge(self.engine, self.settings.retention_days)
                    if purged:
                        log.info("purged %d jobs past the retention period", purged)
                if moment - last_heartbeat >= _HEARTBEAT_EVERY:
                    last_heartbeat = moment
                    store.heartbeat(self.engine, self.owner, list(self._running))
                if moment - last_takeover >= min(self.settings.lease_seconds / 3, 5.0):
                    last_takeover = moment
                    for job_id in store.take_over_stale(self.engine, self.settings.lease_seconds,
                                                        self.settings.max_attempts, self.owner):
                        log.warning("job %s: its server stopped while solving; taken over",
                                    job_id)
                self._reap()
                self._stop_cancelled()
                self._start_queued()
            except Exception:  # the database may be briefly unreachable: keep going
                log.exception("dispatcher step failed; retrying")
                self._stop.wait(1.0)
            sentinels = [run.process.sentinel for run in self._running.values()]
            ready = wait_for([self._wake_r, *sentinels], timeout=0.5)
            if self._wake_r in ready:
                os.read(self._wake_r, 1024)

    def _start_queued(self) -> None:
        while len(self._running) < self.settings.concurrent_solves:
            claimed = store.claim(self.engine, self.owner)
            if claimed is None:
                return
            job_id, attempt, time_limit = claimed
            reader, lifeline = self._context.Pipe(duplex=False)
            process = self._context.Process(
                target=worker.main, args=(self.settings.database_url, job_id, attempt, reader),
                name=f"fieldplan-job-{job_id}", daemon=True)
            process.start()
            reader.close()
            started = time.monotonic()
            # A solve honours its time limit; this is the safety net for one that does not.
            self._running[job_id] = _Running(process, lifeline, attempt, started,
                                             started + 1.5 * time_limit + 60)
            log.info("job %s attempt %d started (pid %d)", job_id, attempt, process.pid)

    def _reap(self) -> None:
        ended = []
        for job_id, run in self._running.items():
            if run.process.exitcode is None and time.monotonic() > run.deadline:
                run.process.kill()
                run.process.join(timeout=5)
                store.finish(self.engine, job_id, run.attempt, status=store.FAILED, result=None,
                             error="the solve ran far past its time limit and was stopped",
                             solve_seconds=time.monotonic() - run.started)
            if run.process.exitcode is not None:
                ended.append(job_id)
        for job_id in ended:
            run = self._running.pop(job_id)
            seconds = time.monotonic() - run.started
            code = run.process.exitcode
            outcome = "ok"
            if code != 0:
                failed = store.finish(
                    self.engine, job_id, run.attempt, status=store.FAILED, result=None,
                    solve_seconds=seconds,
                    error=f"the solver process ended abnormally ({_exit_text(code)})")
                outcome = "failed" if failed else "stopped"
            metrics.observe_solve(seconds, outcome)
            run.process.close()
            run.lifeline.close()
        if ended:
            self.generation += 1

    def _stop_cancelled(self) -> None:
        if not self._running:
            return
        still = store.running_of(self.engine, self.owner, list(self._running))
        for job_id, run in self._running.items():
            if job_id not in still and run.process.exitcode is None:
                run.process.kill()
                log.info("job %s: solve stopped (cancelled or taken over)", job_id)


def _exit_text(code: int | None) -> str:
    if code is not None and code < 0:
        return f"signal {-code}"
    return f"exit code {code}"
