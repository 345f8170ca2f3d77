"""Shared helpers: build small requests, run them through the whole pipeline, check the plans."""

from __future__ import annotations

import os
import uuid

import pytest

from api.schemas.plan import PlanRequest, to_problem
from api.schemas.plan_out import PlanResponse
from routing import solve
from verify.day_plan import Checker


def pytest_sessionstart(session) -> None:
    """Compile the engines' numba code (or load it from its cache) once, before any test: on a
    fresh checkout that takes most of a minute, which a service test waiting 30 s for its
    solver process must not pay."""
    import allocation
    import routing

    routing.warm_up()
    allocation.warm_up()

# Test files run by a pytest of their own beside the session when more than they are run:
# their minutes go to clusters and processes they start and wait for, which the session need
# not wait for. Their result is the session's (see pytest_sessionfinish).
ASIDE = ("tests/api/test_night_cluster.py",)


def pytest_collection_modifyitems(config, items) -> None:
    from tests import background

    aside = [item for item in items if item.nodeid.split("::")[0] in ASIDE]
    if aside and len(aside) < len(items):
        items[:] = [item for item in items if item not in aside]
        config.hook.pytest_deselected(items=aside)
        background.start_aside([item.nodeid for item in aside])


def pytest_collection_finish(session) -> None:
    """Start README's long commands in the background when their tests are among those to
    run (tests/test_readme.py); each test waits for its own."""
    from tests import test_readme

    names = {item.name for item in session.items}
    for name in (test_readme.FIRST_COMMAND, test_readme.WALKTHROUGH):
        if name in names:
            test_readme.start(name)


def pytest_sessionfinish(session) -> None:
    """The tests run aside fail the session when they fail; every background process ends."""
    from tests import background

    aside = background.started.get(background.ASIDE)
    try:
        if aside is not None and session.exitstatus != pytest.ExitCode.INTERRUPTED:
            done = aside.future.result(timeout=1800)
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            summary = done.stdout.strip().splitlines()[-1:] or ["(no output)"]
            if reporter is not None:
                reporter.ensure_newline()
                reporter.write_line(f"run aside ({', '.join(ASIDE)}): {summary[0]}")
            if done.returncode != 0:
                if reporter is not None:
                    reporter.write_line(done.stdout[-20000:] + done.stderr[-5000:])
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
    finally:
        background.close()


DAY = "2026-12-01"
ZONE = "Asia/Shanghai"


def at(clock: str) -> str:
    """An ISO time on the test day in Shanghai, e.g. at("09:30")."""
    return f"{DAY}T{clock}:00+08:00"


def point(index: int) -> dict:
    """A location that only has a row in the request's custom matrix."""
    return {"lat": 31.0, "lon": 121.0, "matrix_index": index}


def request(customers: list[dict], collectors: list[dict], durations: list[list[float]] | None = None,
            **extra) -> dict:
    """A day-plan request; with ``durations`` travel comes from that matrix."""
    body = {"date": DAY, "timezone": ZONE, "customers": customers, "collectors": collectors,
            "options": {"time_limit_seconds": 2, "deterministic": True, "work_limit": 200}}
    if durations is not None:
        body["travel"] = {"matrix": {"durations": durations}}
    for key, value in extra.items():
        body[key] = {**body.get(key, {}), **value} if isinstance(value, dict) else value
    return body


def collector(cid: str, loc: int = 0, start: str = "09:00", end: str = "18:00", **kw) -> dict:
    return {"id": cid, "start": point(loc), "shift": {"start": at(start), "end": at(end)}, **kw}


def customer(cid: str, loc: int, value: float = 100.0, service: int = 600, **kw) -> dict:
    return {"id": cid, "location": point(loc), "value": value, "service_seconds": service, **kw}


def plan(body: dict) -> dict:
    """Validate, solve and present a request; every plan is checked independently."""
    parsed = PlanRequest.model_validate(body)
    problem, context = to_problem(parsed)
    response = PlanResponse.from_plan(solve(problem), context, parsed).model_dump(mode="json")
    checker = Checker(body)
    violations = checker.check(response)
    assert not violations, violations
    for u in response["unassigned"]:
        wrong = checker.reason_is_true(response, u["customer_id"])
        assert wrong is None, f"{u['customer_id']}: {u['reason']} is not true: {wrong}"
    return response


def visits(response: dict, collector_id: str | None = None) -> list[str]:
    """Customer ids in visiting order (of one collector, or all routes concatenated)."""
    return [s["customer_id"] for r in response["routes"]
            if collector_id is None or r["collector_id"] == collector_id
            for s in r["steps"] if s["type"] == "visit"]


def reasons(response: dict) -> dict[str, str]:
    return {u["customer_id"]: u["reason"] for u in response["unassigned"]}


@pytest.fixture
def line_matrix():
    """Five points on a line, 600 s apart (point 0 is the branch)."""
    return [[abs(i - j) * 600 for j in range(5)] for i in range(5)]


# --- the HTTP service -------------------------------------------------------------------------

POSTGRES_URL = os.environ.get("FIELDPLAN_TEST_POSTGRES",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_answers() -> bool:
    try:
        import psycopg
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The persistence suite runs on the embedded SQLite file and on a real PostgreSQL server
    (each test in a schema of its own, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/fieldplan.db"
        return
    if not _postgres_answers():
        pytest.skip(f"PostgreSQL: no server answers at {POSTGRES_URL}; this test ran on "
                    f"SQLite only")
    import psycopg
    schema = f"fp_test_{uuid.uuid4().hex[:12]}"
    plain = POSTGRES_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
