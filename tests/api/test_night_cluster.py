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
import time
from pathlib import Path

import pytest

from api import demo
from tests.api.dask_cluster import BIN, Cluster

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


def _allocation_body(city: tuple[Path, Path]) -> dict:
    from api.schemas.allocation import AllocationRequest
    from api.tables import allocation_rows, read_table

    return AllocationRequest.model_validate({
        "cases": allocation_rows(read_table(city[0], "cases")),
        "collectors": allocation_rows(read_table(city[1], "collectors")),
        "options": {"time_limit_seconds": 5}}).model_dump(mode="json", exclude_unset=True)


def test_the_service_sends_a_big_allocation_to_the_cluster_and_keeps_the_job(city, cluster,
                                                                            tmp_path):
    """FIELDPLAN_DASK_SCHEDULER: an allocation of at least FIELDPLAN_DASK_MIN_CASES cases is
    allocated on the cluster, group by group, as a job of the job store (progress, result);
    with a scheduler that cannot be reached it is allocated on the server, saying why."""
    import httpx

    from tests.api.test_server_process import _create_key, _env, _free_port, _server
    from verify.allocation import AllocationChecker

    body = _allocation_body(city)
    for address, on_cluster in ((cluster.address, True), ("tcp://127.0.0.1:9", False)):
        env = _env(f"sqlite:///{tmp_path}/fieldplan.db", dask_scheduler=address,
                   dask_min_cases="100")
        key = _create_key(env, "national")
        port = _free_port()
        with _server(env, port, tmp_path):
            answer = httpx.post(f"http://127.0.0.1:{port}/v1/allocations?wait=60", json=body,
                                headers={"Authorization": f"Bearer {key}"}, timeout=90)
        job = answer.json()
        assert job["status"] == "succeeded", job
        result = job["result"]
        assert AllocationChecker(body).check(result) == []
        assert result["summary"]["cases"] == 360
        if on_cluster:
            assert job["progress"]["cluster"] == address
            assert job["progress"]["groups"] == job["progress"]["groups_done"] == 4
            assert job["progress"]["retried_tasks"] == 0
        else:
            assert job["progress"].get("cluster") is None
            assert any("allocated on this server" in w and "tcp://127.0.0.1:9" in w
                       for w in result["warnings"]), result["warnings"]


def test_the_loopback_recipe_runs_a_night_on_a_scheduler_and_two_workers(tmp_path):
    """examples/cluster/run_on_loopback.sh, as a user would run it from the repository."""
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "night"
    done = subprocess.run(["bash", str(root / "examples" / "cluster" / "run_on_loopback.sh"),
                           str(out)], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "FIELDPLAN_BIN": str(BIN), "CASES": "200",
                               "ALLOCATION_SECONDS": "2", "PLAN_SECONDS": "1"})
    assert done.returncode in (0, 3), done.stdout + done.stderr
    assert "2 workers" in done.stderr
    assert json.loads((out / "allocation.json").read_text())["summary"]["cases"] == 200
    assert len(list((out / "plans").glob("*.html"))) == 4
