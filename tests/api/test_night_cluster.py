"""The nightly job on a real Dask cluster: a ``dask scheduler`` and two ``dask worker`` processes
on loopback, started here. Deterministic nights give the same allocation and the same routes in
this process, on a LocalCluster and on the real cluster; a worker SIGKILLed mid-night loses no
region; a client killed mid-night resumes; a scheduler that cannot be reached and a worker that
runs another version are refused (exit 2) with the reason."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api import demo

BIN = Path(sys.executable).parent
FIELDPLAN = str(BIN / "fieldplan")
# A small deterministic night: the searches stop on work done; the time limits are only a
# backstop, generous enough that a busy machine never reaches them.
NIGHT = ("--date", "2026-12-01", "--deterministic", "--allocation-seconds", "60",
         "--plan-seconds", "120", "--rest-days", "2", "--json-logs")
# A worker that reports another Fieldplan version (as a worker with an old install would), or
# none at all.
OTHER_INSTALL = """
import importlib.metadata

_real = importlib.metadata.version


def version(name):
    if name != "fieldplan":
        return _real(name)
    {answer}


importlib.metadata.version = version
"""
OLD = 'return "0.0.1"'
NONE = "raise importlib.metadata.PackageNotFoundError(name)"


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


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(tmp_path)
    running.add_worker("w1")
    running.add_worker("w2")
    running.wait_for_workers(2)
    yield running
    running.close()


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> tuple[Path, Path]:
    return demo.city(tmp_path_factory.mktemp("city"), cases=360, collectors_per_district=3)


@pytest.fixture(scope="module")
def reference(city, tmp_path_factory) -> tuple[dict, dict]:
    """The undisturbed night, in this process (no Dask)."""
    out = tmp_path_factory.mktemp("reference")
    done = _nightly(city, out)
    assert done.returncode in (0, 3), done.stderr
    return _results(out)


def _nightly(city: tuple[Path, Path], out: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([FIELDPLAN, "nightly", *map(str, city), "--out", str(out), *NIGHT,
                           *options], capture_output=True, text=True, timeout=600)


def _results(out: Path) -> tuple[dict, dict]:
    """Who owns each case, and each collector's visits with their times, from the files."""
    allocation = json.loads((out / "allocation.json").read_text())
    owner = {a["case_id"]: a["collector_id"] for a in allocation["allocations"]}
    owner.update({u["case_id"]: u["reason"] for u in allocation["unallocated"]})
    routes = {}
    for plan_file in (out / "plans").glob("*.json"):
        if plan_file.name.endswith(".request.json"):
            continue
        for route in json.loads(plan_file.read_text())["routes"]:
            routes[route["collector_id"]] = [(s["customer_id"], s["arrival"])
                                             for s in route["steps"]]
    return owner, routes


def _events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_a_deterministic_night_is_the_same_in_process_on_a_local_and_on_a_real_cluster(
        city, reference, cluster, tmp_path):
    owner, routes = reference
    assert len(owner) == 360 and len(routes) == 12
    local = _nightly(city, tmp_path / "local", "--workers", "2")
    assert local.returncode in (0, 3), local.stderr
    assert _results(tmp_path / "local") == reference
    remote = _nightly(city, tmp_path / "remote", "--cluster", cluster.address)
    assert remote.returncode in (0, 3), remote.stderr
    assert _results(tmp_path / "remote") == reference
    started = _events(remote.stderr)[0]
    assert started["event"] == "cluster" and started["workers"] == 2, started


def test_a_worker_killed_mid_night_loses_no_region(city, reference, cluster, tmp_path):
    """A worker is SIGKILLed while a region's day plan is among its tasks; the scheduler runs
    what it held again on the other worker; the night's results are those of an undisturbed
    night, each region is written once, and the run's summary lists the retry."""
    from distributed import Client

    out = tmp_path / "night"
    night = subprocess.Popen([FIELDPLAN, "nightly", *map(str, city), "--out", str(out), *NIGHT,
                              "--cluster", cluster.address], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    killed = None
    with Client(cluster.address, timeout="20s", set_as_default=False) as client:
        pids = client.run(os.getpid)
        deadline = time.monotonic() + 300
        while killed is None and time.monotonic() < deadline and night.poll() is None:
            for worker, keys in client.processing().items():
                if any("region:" in str(key) for key in keys):
                    os.kill(pids[worker], signal.SIGKILL)
                    killed = worker
                    break
            time.sleep(0.05)
    stdout, stderr = night.communicate(timeout=600)
    assert killed is not None, stderr
    assert night.returncode in (0, 3), stderr
    assert _results(out) == reference
    done = _events(stderr)[-1]
    assert done["event"] == "done" and done["retries"], done
    written = [e["region"] for e in _events(stderr) if e["event"] == "region"]
    assert sorted(written) == sorted(set(written)) and len(written) == 4  # each region once


def test_a_night_whose_client_was_killed_resumes_on_the_cluster(city, reference, cluster,
                                                               tmp_path):
    out = tmp_path / "night"
    night = subprocess.Popen([FIELDPLAN, "nightly", *map(str, city), "--out", str(out), *NIGHT,
                              "--cluster", cluster.address], stderr=subprocess.PIPE, text=True)
    for line in night.stderr:
        if '"event": "region"' in line:
            break
    night.kill()
    night.wait()
    state = json.loads((out / "state.json").read_text())
    planned = [name for name in state["done"] if name.startswith("region:")]
    assert planned and "allocation" not in state["done"]
    again = _nightly(city, out, "--cluster", cluster.address)
    assert again.returncode in (0, 3), again.stderr
    skipped = {e["region"] for e in _events(again.stderr)
               if e["event"] == "region" and e["skipped"]}
    assert {f"region:{name}" for name in skipped} >= set(planned)
    assert _results(out) == reference


def test_a_scheduler_that_cannot_be_reached_is_exit_2_within_seconds(city, tmp_path):
    started = time.monotonic()
    done = _nightly(city, tmp_path / "out", "--cluster", "tcp://127.0.0.1:9")
    assert done.returncode == 2, done.stderr
    assert "tcp://127.0.0.1:9" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 60  # a backstop against a hang, not a benchmark
    assert not (tmp_path / "out" / "state.json").exists()


@pytest.mark.parametrize(("answer", "named"), [(OLD, "Fieldplan 0.0.1"),
                                               (NONE, "no Fieldplan")])
def test_a_worker_with_another_version_or_none_is_refused_naming_the_versions(
        city, tmp_path, answer, named):
    preload = tmp_path / "other_fieldplan.py"
    preload.write_text(OTHER_INSTALL.format(answer=answer))
    running = Cluster(tmp_path)
    try:
        running.add_worker("current")
        running.add_worker("other", preload)
        running.wait_for_workers(2)
        done = _nightly(city, tmp_path / "out", "--cluster", running.address)
    finally:
        running.close()
    assert done.returncode == 2, done.stderr
    message = " ".join(done.stderr.split())
    assert named in message and "Traceback" not in done.stderr
    from importlib.metadata import version
    assert f"Fieldplan {version('fieldplan')}" in message
    assert not (tmp_path / "out").exists()
