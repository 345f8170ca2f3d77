"""The service as a real ``fieldplan serve`` process on 127.0.0.1: keys from the command line,
requests over HTTP, and a crash (SIGKILL mid-solve) after which no job is lost or stuck."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from verify.day_plan import Checker

FIELDPLAN = str(Path(sys.executable).parent / "fieldplan")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(database_url: str, **settings: str) -> dict[str, str]:
    env = {**os.environ, "FIELDPLAN_DATABASE_URL": database_url}
    env.update({f"FIELDPLAN_{k.upper()}": v for k, v in settings.items()})
    return env


def _create_key(env: dict, tenant: str) -> str:
    done = subprocess.run([FIELDPLAN, "keys", "create", "--tenant", tenant], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def _server(env: dict, port: int, tmp_path: Path, *extra: str):
    log = open(tmp_path / f"server-{time.monotonic_ns()}.log", "w")
    process = subprocess.Popen([FIELDPLAN, "serve", "--port", str(port), *extra], env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / log.name).read_text()
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()


def _day(seconds: float) -> dict:
    body = json.loads((EXAMPLES / "plan_request.json").read_text())
    body["options"] = {"time_limit_seconds": seconds}
    return body


def test_a_real_server_plans_over_http_with_a_key_from_the_command_line(database_url, tmp_path):
    """`fieldplan keys create` prints the key last; the served plan passes the checker."""
    env = _env(database_url)
    key = _create_key(env, "north")
    port = _free_port()
    body = _day(2)
    with _server(env, port, tmp_path):
        base = f"http://127.0.0.1:{port}"
        assert httpx.post(f"{base}/v1/plans", json=body).status_code == 401
        response = httpx.post(f"{base}/v1/plans?wait=30", json=body, timeout=60,
                              headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text
        assert not Checker(body).check(response.json()["result"])
        assert httpx.get(f"{base}/docs").status_code == 200


def test_the_demo_mode_without_keys_refuses_any_address_but_loopback(tmp_path):
    """--no-auth is for 127.0.0.1 only, and says so loudly."""
    env = _env(f"sqlite:///{tmp_path}/f.db")
    refused = subprocess.run([FIELDPLAN, "serve", "--host", "0.0.0.0", "--no-auth"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "only allowed on 127.0.0.1" in refused.stderr
    port = _free_port()
    with _server(env, port, tmp_path, "--no-auth"):
        assert httpx.get(f"http://127.0.0.1:{port}/v1/jobs").status_code == 200
    banner = "".join(p.read_text() for p in tmp_path.glob("server-*.log"))
    assert "API keys are OFF" in banner


def test_after_a_sigkill_mid_solve_every_job_ends_succeeded_or_failed_with_a_reason(
        database_url, tmp_path):
    """Kill the server while it solves; restart it; every job finishes, none is stuck."""
    env = _env(database_url, lease_seconds="3", concurrent_solves="2")
    key = _create_key(env, "north")
    headers = {"Authorization": f"Bearer {key}"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _server(env, port, tmp_path) as process:
        ids = [httpx.post(f"{base}/v1/plans", json=_day(3), headers=headers, timeout=30
                          ).json()["id"] for _ in range(4)]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            statuses = [httpx.get(f"{base}/v1/jobs/{i}", headers=headers).json()["status"]
                        for i in ids]
            if statuses.count("running") == 2:
                break
            time.sleep(0.1)
        assert statuses.count("running") == 2, statuses
        time.sleep(0.5)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    with _server(env, port, tmp_path):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jobs = [httpx.get(f"{base}/v1/jobs/{i}", headers=headers).json() for i in ids]
            if all(j["status"] in ("succeeded", "failed") for j in jobs):
                break
            time.sleep(0.5)
    assert [j["status"] for j in jobs] == ["succeeded"] * 4, [(j["status"], j["error"])
                                                                for j in jobs]
    # The two solves cut by the kill ran again (a third may have started just before it).
    assert sum(j["attempt"] == 2 for j in jobs) >= 2
    assert all(j["attempt"] <= 2 for j in jobs)
    for job in jobs:
        assert not Checker(_day(3)).check(job["result"])


def test_the_access_log_drops_query_strings_the_map_has_a_policy_and_revoke_hides_the_key(
        tmp_path):
    """Personal data stays out of logs and terminals: the access log records paths without
    their query strings; the served map forbids other scripts and framing; revoking a key given
    whole prints only its id."""
    env = _env(f"sqlite:///{tmp_path}/f.db")
    key = _create_key(env, "north")
    headers = {"Authorization": f"Bearer {key}"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _server(env, port, tmp_path):
        listed = httpx.get(f"{base}/v1/jobs?created_after=2026-01-01T00:00:00Z&customer=K777001",
                           headers=headers)
        assert listed.status_code == 200
        job = httpx.post(f"{base}/v1/plans?wait=30", json=_day(1), headers=headers,
                         timeout=60).json()
        page = httpx.get(f"{base}/plans/{job['id']}/map", headers=headers)
        assert page.status_code == 200
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    log = "".join(p.read_text() for p in tmp_path.glob("server-*.log"))
    assert "GET /v1/jobs HTTP" in log and "POST /v1/plans HTTP" in log
    assert "K777001" not in log and "created_after" not in log and "wait=" not in log

    secret = key.split("_", 2)[2]
    done = subprocess.run([FIELDPLAN, "keys", "revoke", key], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "revoked" in done.stderr and secret not in done.stdout + done.stderr
    again = subprocess.run([FIELDPLAN, "keys", "revoke", key], env=env, capture_output=True,
                           text=True, timeout=60)
    assert again.returncode == 2 and secret not in again.stdout + again.stderr
