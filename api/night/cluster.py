"""Where the night's tasks run: one after another in this process (the default), or spread over
a Dask cluster, either one the run starts and stops on this machine (``--workers N``) or a
running scheduler the platform team keeps (``--cluster tcp://host:8786``).

Both run the same task functions on the same data, so in deterministic mode a night's results
are the same whichever way it ran. On a cluster, a task whose worker dies is run again on
another worker by the scheduler; the results are taken in by this process only, once each."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

# How long to wait for the scheduler to answer, and for a first worker to join it.
CONNECT_SECONDS = 5.0
WORKER_WAIT_SECONDS = 10.0
# How often a running night checks that the cluster still has workers, and how long it waits
# for one to come back before giving up (never a hang).
POLL_SECONDS = 2.0
NO_WORKERS_SECONDS = 120.0


class ClusterError(Exception):
    """The cluster cannot run the night: unreachable, no workers, other versions, or lost."""


class InProcess:
    """Tasks run here, one after another, in the order they are given."""

    address = None
    dashboard = None

    def __init__(self) -> None:
        self._queue: deque[tuple[str, Callable, Any]] = deque()

    def submit(self, name: str, task: Callable, work: Any) -> None:
        self._queue.append((name, task, work))

    def results(self) -> Iterator[tuple[str, Any]]:
        """Each task's name and result; tasks submitted meanwhile are run too."""
        while self._queue:
            name, task, work = self._queue.popleft()
            yield name, task(work)

    def retries(self) -> dict[str, int]:
        return {}

    def close(self) -> None:
        self._queue.clear()


class Dask:
    """Tasks run on a Dask cluster."""

    def __init__(self, client, cluster=None) -> None:
        self._client, self._cluster = client, cluster
        self._token = uuid4().hex[:8]
        self._names: dict[str, str] = {}
        self._running: dict[str, Any] = {}
        self._keys: list[str] = []

    @classmethod
    def connect(cls, address: str) -> Dask:
        """The cluster whose scheduler listens at ``address``; raises ``ClusterError`` within
        seconds if it cannot be reached, has no workers, or its workers run another version."""
        from distributed import Client

        try:
            client = Client(address, timeout=f"{CONNECT_SECONDS}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        return cls._checked(client)

    @classmethod
    def local(cls, workers: int) -> Dask:
        """A cluster of ``workers`` processes on this machine (one thread each), stopped with
        the run."""
        import logging

        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
        return cls._checked(Client(cluster, set_as_default=False), cluster)

    @classmethod
    def _checked(cls, client, cluster=None) -> Dask:
        try:
            try:
                client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
            except TimeoutError:
                raise ClusterError(f"the Dask scheduler at {client.scheduler.address} has no "
                                   f"workers (waited {WORKER_WAIT_SECONDS:g} s)") from None
            check_versions(client)
        except BaseException:
            client.close()
            if cluster is not None:
                cluster.close()
            raise
        return cls(client, cluster)

    @property
    def address(self) -> str:
        return self._client.scheduler.address

    @property
    def dashboard(self) -> str | None:
        """The link to the scheduler's dashboard, if it serves one (it needs bokeh there:
        ``fieldplan[dashboard]``)."""
        try:
            served = self._client.run_on_scheduler(_has_bokeh)
        except Exception:  # a scheduler that refuses to run code: assume it serves one
            served = True
        return self._client.dashboard_link if served else None

    def workers(self) -> int:
        return len(self._client.scheduler_info()["workers"])

    def submit(self, name: str, task: Callable, work: Any) -> None:
        future = self._client.submit(task, work, key=f"fieldplan-{self._token}-{name}",
                                     pure=False)
        self._names[future.key] = name
        self._running[future.key] = future
        self._keys.append(future.key)

    def results(self) -> Iterator[tuple[str, Any]]:
        """Each task's name and result as it finishes; tasks submitted meanwhile are waited
        for too. Raises ``ClusterError`` if the scheduler is lost, if a task kept killing its
        workers, or if no worker is left for ``NO_WORKERS_SECONDS``."""
        from distributed import wait

        alone_since = None
        while self._running:
            try:
                with self._client.as_current():
                    done, _ = wait(list(self._running.values()), timeout=POLL_SECONDS,
                                   return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            if not done:
                alone_since = self._watch(alone_since)
                continue
            alone_since = None
            for future in sorted(done, key=lambda f: self._keys.index(f.key)):
                self._running.pop(future.key)
                yield self._names[future.key], self._result(future)
                future.release()

    def _result(self, future) -> Any:
        from distributed import KilledWorker

        name = self._names[future.key]
        try:
            return future.result()
        except KilledWorker as exc:
            raise ClusterError(f"{name}: its task was lost with every worker that ran it "
                               f"({exc}); is a worker running out of memory?") from None
        except Exception as exc:
            if future.status == "cancelled" or type(exc).__name__ in ("CancelledError",
                                                                      "FutureCancelledError"):
                raise ClusterError(f"{name}: lost the Dask scheduler at {self.address} "
                                   "before the task finished") from None
            raise

    def _watch(self, alone_since: float | None) -> float | None:
        """When the cluster has had no worker for too long, give up."""
        if self._client.status != "running":
            raise ClusterError(f"lost the Dask scheduler at {self.address}")
        if self.workers():
            return None
        now = time.monotonic()
        if alone_since is not None and now - alone_since > NO_WORKERS_SECONDS:
            raise ClusterError(f"the Dask scheduler at {self.address} has had no workers for "
                               f"{NO_WORKERS_SECONDS:g} s; the night is not finished (rerun "
                               "to resume)")
        return alone_since or now

    def retries(self) -> dict[str, int]:
        """How many times each task was started again (after its worker was lost)."""
        starts: dict[str, int] = {}
        story = self._client.story(*self._keys, on_error="ignore")
        for entry in story:
            if entry[0] == "scheduler" and entry[3] == "processing" and entry[2] != entry[3]:
                starts[entry[1]] = starts.get(entry[1], 0) + 1
        return {self._names[key]: n - 1 for key, n in starts.items() if n > 1}

    def close(self) -> None:
        try:
            self._client.cancel(list(self._running.values()))
            self._client.close()
        finally:
            if self._cluster is not None:
                self._cluster.close()


def _has_bokeh() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def check_versions(client) -> None:
    """Refuse workers that run another version of Fieldplan, or none, naming the versions."""
    ours = importlib.metadata.version("fieldplan")
    found = client.run(importlib.metadata.version, "fieldplan", on_error="return")
    wrong = {worker: ("no Fieldplan" if isinstance(v, Exception) else f"Fieldplan {v}")
             for worker, v in found.items() if v != ours}
    if wrong:
        raise ClusterError(f"every worker must run Fieldplan {ours}, as this command does: "
                           + "; ".join(f"{w} has {v}" for w, v in sorted(wrong.items())))
