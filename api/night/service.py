"""A big allocation of the HTTP service on the Dask cluster the nightly job uses
(``FIELDPLAN_DASK_SCHEDULER``): split into groups of regions that share collectors, allocated on
the cluster's workers, merged into one response. The job store stays the source of truth: the
service's solver process is the cluster's client, records progress and the result as for any
job, and a job whose server dies is taken over and sent again by the next server."""

from __future__ import annotations

from api.night import split as splitting
from api.night import tasks
from api.night.cluster import Dask


def allocate(address: str, body: dict, progress) -> dict:
    """The allocation response (as JSON data) of a request ``body``, its groups allocated on
    the cluster at ``address``. ``progress`` receives the cluster's address, the groups done
    and in all, and (last) the tasks run again after a lost worker. Raises
    ``api.night.cluster.ClusterError``."""
    seconds = body.get("options", {}).get("time_limit_seconds", 10.0)
    night = splitting.split(body, seconds)
    executor = Dask.connect(address)
    state = {"cluster": address, "groups_done": 0, "groups": len(night.groups)}
    try:
        for group in night.groups:
            executor.submit(f"allocation:{group.name}", tasks.allocate, group.body)
        done: dict[str, dict] = {}
        for name, response in executor.results():
            done[name.partition(":")[2]] = response
            state["groups_done"] = len(done)
            progress(dict(state))
        progress({**state, "retried_tasks": sum(executor.retries().values())})
    finally:
        executor.close()
    return splitting.merge([done[g.name] for g in night.groups], night.orphans, night.warnings)
