"""Work that runs beside the test session, started as soon as the session has collected the
tests that need it (``tests/conftest.py``), so that the rest of the suite need not wait for
it: README's commands (``tests/test_readme.py``), most of which is pip installing into a fresh
environment and commands that run for their time limits, and test files run by a pytest of
their own. One piece at a time, to leave the session a core."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASIDE = "tests run aside"
started: dict[str, Background] = {}


class Background:
    """One piece of work on the background thread, with a folder of its own."""

    pool = ThreadPoolExecutor(max_workers=1)

    def __init__(self, work: Callable[[Background], object]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="fieldplan-tests-"))
        self.processes: list[subprocess.Popen] = []
        self.closed = False
        self.future = self.pool.submit(work, self)

    def run(self, command: list[str], cwd: Path, timeout: float
            ) -> subprocess.CompletedProcess:
        """``subprocess.run`` whose process group is killed on a timeout or at :meth:`close`."""
        if self.closed:
            raise RuntimeError("the session is over")
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.processes.append(process)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        return subprocess.CompletedProcess(command, process.returncode, out, err)

    def close(self) -> None:
        self.closed = True
        self.future.cancel()
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(name: str, work: Callable[[Background], object]) -> Background:
    """The work called ``name``, started now unless it was."""
    if name not in started:
        started[name] = Background(work)
    return started[name]


def start_aside(tests: list[str]) -> Background:
    """A pytest of its own for ``tests`` (node ids)."""
    return start(ASIDE, lambda run: run.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], ROOT,
        timeout=1500))


def close() -> None:
    """End every process started and remove every folder."""
    for run in started.values():
        run.close()
