"""Prometheus metrics: request latency and solve seconds are counted in this process; jobs by
status and the queue depth are read at each scrape (the caller passes how: from the database), so
they hold for every server sharing it."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "fieldplan_http_request_seconds", "HTTP request latency", ["method", "route", "status"],
    registry=REGISTRY, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
SOLVE_SECONDS = Histogram(
    "fieldplan_solve_seconds", "wall time of solver processes", ["outcome"], registry=REGISTRY,
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600))


def observe_solve(seconds: float, outcome: str) -> None:
    """A solver process ended."""
    SOLVE_SECONDS.labels(outcome).observe(seconds)


class _JobGauges:
    def __init__(self, counts: Callable[[], dict[str, int]], running_here: int) -> None:
        self.counts = counts
        self.running_here = running_here

    def collect(self):
        jobs = GaugeMetricFamily("fieldplan_jobs", "jobs by status", labels=["status"])
        counts = self.counts()
        for status, count in counts.items():
            jobs.add_metric([status], count)
        yield jobs
        yield GaugeMetricFamily("fieldplan_queue_depth", "jobs waiting for a solver process",
                                value=counts["queued"])
        yield GaugeMetricFamily("fieldplan_solves_running", "solves running in this server",
                                value=self.running_here)


def exposition(counts: Callable[[], dict[str, int]], running_here: int) -> bytes:
    """The text of ``GET /metrics``; ``counts`` gives the jobs by status."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_JobGauges(counts, running_here))
    return generate_latest(REGISTRY) + generate_latest(scrape)
