"""A real Dask cluster for the tests: a ``dask scheduler`` and ``dask worker`` processes on
127.0.0.1, each a process of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


class Cluster:
    """A scheduler and its workers, each a process of its own, on 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.processes: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []
        self._start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(self.file)], "scheduler")
        deadline = time.monotonic() + 60
        while not self.file.exists() or not self.file.read_text().strip():
            assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]

    def _start(self, args: list[str], log: str) -> subprocess.Popen:
        with (self.folder / f"{log}.log").open("w") as out:
            process = subprocess.Popen([str(BIN / "dask"), *args], stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def add_worker(self, name: str, preload: Path | None = None) -> None:
        """A worker without a nanny: killed, it stays dead (no restart hides the loss)."""
        args = ["worker", "--scheduler-file", str(self.file), "--nthreads", "1", "--no-nanny",
                "--name", name, "--host", "127.0.0.1", "--no-dashboard"]
        if preload is not None:
            args += ["--preload", str(preload)]
        self.workers.append(self._start(args, name))

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout="20s", set_as_default=False) as client:
            client.wait_for_workers(n, timeout=60)

    def close(self) -> None:
        """Workers first, then the scheduler (a worker whose scheduler went first waits to
        reconnect)."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
