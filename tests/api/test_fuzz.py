"""Property-based requests to every endpoint, generated from the OpenAPI document: no input
gives a 5xx, and every response conforms to the document (status codes, bodies, headers)."""

from __future__ import annotations

import time

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import keys
from api.config import Settings
from api.db import Job, connect, migrate
from api.jobs import store
from api.main import create_app


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A running application with a small queue and one-second solves, and a valid key."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/fieldplan.db"
    engine = connect(url)
    migrate(engine)
    key = keys.create(engine, "fuzz")[1]
    app = create_app(Settings(database_url=url, concurrent_solves=1, max_queued=5,
                              max_time_limit_seconds=1, max_wait_seconds=0.2))
    with TestClient(app):
        yield app, {"Authorization": f"Bearer {key}"}


def _operations() -> list[str]:
    spec = create_app(Settings(database_url="sqlite://")).openapi()
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item]


@pytest.mark.parametrize("operation", _operations())
def test_no_request_gives_a_server_error_and_every_answer_matches_the_document(operation, served):
    """Generated requests with a valid key (valid and invalid bodies, parameters, headers)."""
    app, headers = served
    method, path = operation.split(" ", 1)
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    strategy = api[path][method].as_strategy()

    @given(case=strategy)
    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case) -> None:
        # A body can match the JSON schema and still break a rule that JSON Schema cannot say
        # (a window that ends before it starts, a duplicate id): 422 is right for it.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()


def test_no_generated_request_that_was_accepted_failed_while_solving(served):
    """Accepted requests are solvable: none of the fuzzed jobs ends with an internal error."""
    app, _ = served
    engine = app.state.engine
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = store.counts(engine)
        if counts["queued"] == counts["running"] == 0:
            break
        time.sleep(0.2)
    with Session(engine) as session:
        errors = session.scalars(select(Job.error).where(Job.status == "failed")).all()
    assert errors == []
