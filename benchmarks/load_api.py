"""A bounded load run against a local ``fieldplan serve`` (loopback only): many small day plans
submitted concurrently with ``?wait=``; throughput, latency percentiles, errors, and the API's
overhead over the bare solve of the same request."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.schemas.plan import PlanRequest, to_problem
from api.schemas.plan_out import PlanResponse
from benchmarks.generator import collection_day
from routing import solve


@dataclass(frozen=True)
class LoadResult:
    """What one load run measured (seconds)."""

    requests: int
    concurrency: int
    wall: float
    statuses: dict[int, int]
    latencies: list[float]
    bare_solve_median: float
    idle_api_median: float

    @property
    def throughput(self) -> float:
        """Finished plans per second under load."""
        return self.statuses.get(200, 0) / self.wall

    def percentile(self, q: float) -> float:
        """Latency percentile under load (``q`` in 0..100)."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]

    @property
    def errors(self) -> int:
        """Answers other than 200 (finished) and 429 (deliberate back-pressure)."""
        return sum(n for code, n in self.statuses.items() if code not in (200, 429))


def small_day(customers: int, collectors: int) -> dict:
    """A small generated day that stops after a fixed amount of search (deterministic)."""
    body = collection_day(customers, collectors, seed=7, time_limit=10)
    body["options"] = {"time_limit_seconds": 10, "deterministic": True, "work_limit": 300}
    return body


def bare_solve_seconds(body: dict, repeats: int) -> float:
    """Median wall time of validate + solve + present, in this process, without HTTP."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        request = PlanRequest.model_validate(body)
        problem, context = to_problem(request)
        PlanResponse.from_plan(solve(problem), context, request).model_dump_json()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(*, requests: int, concurrency: int, customers: int, collectors: int,
        solves: int, max_queued: int) -> LoadResult:
    """Start a server on 127.0.0.1 with its own SQLite file, measure, stop it."""
    body = small_day(customers, collectors)
    bare = bare_solve_seconds(body, 10)
    with tempfile.TemporaryDirectory() as folder, _server(Path(folder), solves,
                                                          max_queued) as (base, key):
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            idle = []
            for _ in range(10):
                started = time.perf_counter()
                assert client.post("/v1/plans?wait=120", json=body).status_code == 200
                idle.append(time.perf_counter() - started)
        statuses, latencies, wall = asyncio.run(
            _load(base, headers, body, requests, concurrency))
    return LoadResult(requests, concurrency, wall, statuses, latencies, bare,
                      statistics.median(idle))


async def _load(base: str, headers: dict, body: dict, requests: int, concurrency: int):
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600,
                                 limits=limits) as client:
        async def one() -> None:
            async with gate:
                started = time.perf_counter()
                try:
                    code = (await client.post("/v1/plans?wait=600", json=body)).status_code
                except httpx.HTTPError:
                    code = 0
                latencies.append(time.perf_counter() - started)
                statuses[code] = statuses.get(code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return statuses, latencies, time.perf_counter() - started


class _server:
    """``fieldplan serve`` in a child process, with a fresh database and one key."""

    def __init__(self, folder: Path, solves: int, max_queued: int) -> None:
        self.folder = folder
        self.env = {**os.environ, "FIELDPLAN_DATABASE_URL": f"sqlite:///{folder}/load.db",
                    "FIELDPLAN_CONCURRENT_SOLVES": str(solves),
                    "FIELDPLAN_MAX_QUEUED": str(max_queued),
                    "FIELDPLAN_MAX_WAIT_SECONDS": "600"}

    def __enter__(self) -> tuple[str, str]:
        fieldplan = str(Path(sys.executable).parent / "fieldplan")
        key = subprocess.run([fieldplan, "keys", "create", "--tenant", "load"], env=self.env,
                             capture_output=True, text=True, check=True
                             ).stdout.strip().splitlines()[-1]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.log = open(self.folder / "server.log", "w")
        self.process = subprocess.Popen([fieldplan, "serve", "--port", str(port)], env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    return base, key
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start; see " + str(self.folder / "server.log"))

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
