"""``fieldplan bench oversized``: bodies under the byte cap but far over the customer cap, sent
to a local ``fieldplan serve``: how long the refusal takes, how long ``/healthz`` waits
meanwhile, and what the server's memory does."""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


def _body(customers: int) -> bytes:
    customer = {"location": {"lat": 31.2, "lon": 121.4}, "balance": 25448.42,
                "probability_to_pay": 0.36, "service_seconds": 900,
                "time_windows": [{"start": "2026-12-01T18:00:00+08:00",
                                  "end": "2026-12-01T21:30:00+08:00"}]}
    return json.dumps({"date": "2026-12-01", "timezone": "Asia/Shanghai", "collectors": [],
                       "customers": [{"id": f"K{i:07d}", **customer}
                                     for i in range(customers)]}).encode()


def _rss_mb(pid: int) -> float:
    """Resident memory of the server and its children."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)],
                         capture_output=True, text=True).stdout.split()
    return sum(int(x) for x in out) / 1024


def oversized(
    customers: Annotated[int, typer.Option(help="customers per body")] = 200_000,
    requests: Annotated[int, typer.Option(help="bodies to send, one after another")] = 5,
    out: Annotated[str | None, typer.Option(help="append JSON lines here")] = None,
) -> None:
    """Day plans far over FIELDPLAN_MAX_CUSTOMERS (5,000) but under the byte
    cap: refusal time, /healthz latency while they are refused, server memory."""
    import httpx

    from benchmarks.cli import _emit
    from benchmarks.load_api import _server

    body = _body(customers)
    with tempfile.TemporaryDirectory() as folder:
        server = _server(Path(folder), solves=1, max_queued=100)
        with server as (base, key):
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            before = _rss_mb(server.process.pid)
            probes: list[float] = []
            done = threading.Event()

            def probe() -> None:
                with httpx.Client() as client:
                    while not done.is_set():
                        started = time.perf_counter()
                        client.get(f"{base}/healthz")
                        probes.append(time.perf_counter() - started)
                        time.sleep(0.02)

            prober = threading.Thread(target=probe)
            prober.start()
            refusals, statuses, peak = [], set(), before
            with httpx.Client(timeout=300) as client:
                for _ in range(requests):
                    started = time.perf_counter()
                    answer = client.post(f"{base}/v1/plans", content=body, headers=headers)
                    refusals.append(time.perf_counter() - started)
                    statuses.add(answer.status_code)
                    peak = max(peak, _rss_mb(server.process.pid))
            done.set()
            prober.join()
    record = {"instance": f"oversized-{customers}c", "body_mb": round(len(body) / 1e6, 1),
              "requests": requests, "statuses": sorted(statuses),
              "refusal_median_s": round(statistics.median(refusals), 3),
              "refusal_max_s": round(max(refusals), 3),
              "healthz_median_s": round(statistics.median(probes), 3),
              "healthz_max_s": round(max(probes), 3),
              "server_mb_before": round(before), "server_mb_peak": round(peak)}
    _emit(Path(out) if out else None, record)
    table = Table("body MB", "requests", "status", "refusal median s", "max s",
                  "/healthz median s", "max s", "server MB before", "peak")
    table.add_row(str(record["body_mb"]), str(requests), str(record["statuses"]),
                  f"{record['refusal_median_s']:.2f}", f"{record['refusal_max_s']:.2f}",
                  f"{record['healthz_median_s']:.3f}", f"{record['healthz_max_s']:.3f}",
                  str(record["server_mb_before"]), str(record["server_mb_peak"]))
    Console().print(table)
