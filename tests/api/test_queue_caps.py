"""The queue caps hold under parallel submissions: the count of waiting jobs and the insert it
allows are one step, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

from api.config import Settings
from api.db import connect, migrate
from api.jobs import store
from api.jobs.kinds import accept_plan
from api.schemas.plan import PlanRequest
from tests.api.test_service import small_day


def _submit_all(database_url: str, tenants: list[str], caps: store.QueueCaps
                ) -> list[tuple[str, bool]]:
    """Submit one job per entry of ``tenants``, all at once from as many threads; returns
    (tenant, accepted) per submission."""
    engine = connect(database_url)
    migrate(engine)
    accepted = accept_plan(PlanRequest.model_validate(small_day()), Settings())
    start = threading.Barrier(len(tenants))
    results: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def one(tenant: str) -> None:
        start.wait()
        try:
            store.submit(engine, tenant=tenant, key_id=None, accepted=accepted,
                         idempotency_key=None, caps=caps)
            ok = True
        except store.QueueFull:
            ok = False
        with lock:
            results.append((tenant, ok))

    threads = [threading.Thread(target=one, args=(t,)) for t in tenants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    counts = store.counts(engine)
    engine.dispose()
    assert len(results) == len(tenants)
    assert counts.get("queued", 0) == sum(ok for _, ok in results)
    return results


def test_twenty_parallel_submissions_never_overshoot_a_tenants_cap(database_url):
    results = _submit_all(database_url, ["north"] * 20, store.QueueCaps(total=100, per_tenant=5))
    assert sum(ok for _, ok in results) == 5


def test_the_service_cap_holds_across_tenants_and_each_tenant_keeps_its_own(database_url):
    results = _submit_all(database_url, ["north", "south"] * 10,
                          store.QueueCaps(total=7, per_tenant=5))
    accepted = [tenant for tenant, ok in results if ok]
    assert len(accepted) == 7
    assert accepted.count("north") <= 5 and accepted.count("south") <= 5
