"""How a job is shown: its state, its progress and, when done, the result."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
JobKind = Literal["plan", "replan", "week", "allocation"]


class ProgressOut(BaseModel):
    """How far a solve has got."""

    elapsed_seconds: float = Field(description="since the solve started")
    time_limit_seconds: float
    solutions: int | None = Field(None, description="plans found by the search so far")
    best_objective: float | None = Field(None, description=(
        "day plans: the best plan's value minus travel cost so far, as the search weighs it "
        "(relationship bonus and balance cost included); null while a mandatory customer is "
        "still left out. Allocations (exact method): the best allocation's objective so far"))
    bound: float | None = Field(None, description=(
        "allocations (exact method): the proven upper bound on the objective so far"))
    cluster: str | None = Field(None, description=(
        "allocations sent to the Dask cluster (FIELDPLAN_DASK_SCHEDULER): its scheduler"))
    groups_done: int | None = Field(None, description=(
        "allocations on the cluster: groups of regions (regions that share collectors) done"))
    groups: int | None = Field(None, description="allocations on the cluster: groups in all")
    retried_tasks: int | None = Field(None, description=(
        "allocations on the cluster: tasks run again after their worker was lost"))
    addresses_located: int | None = Field(None, description=(
        "day plans with customers given by address: addresses looked up so far (before the "
        "solve starts)"))
    addresses: int | None = Field(None, description="addresses to look up in all")


class JobOut(BaseModel):
    """A job. ``result`` is the day plan or the allocation, once ``status`` is ``succeeded``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5f0c2b8e9d7a4c1fb3e2a6d4c8b0e1f2", "kind": "plan", "status": "running",
        "created_at": "2026-11-30T21:00:01Z", "started_at": "2026-11-30T21:00:01Z",
        "finished_at": None, "attempt": 1,
        "progress": {"elapsed_seconds": 4.2, "time_limit_seconds": 30.0, "solutions": 57,
                     "best_objective": 267187.15},
        "warnings": [], "error": None, "result": None}]})

    id: str
    kind: JobKind
    status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempt: int = Field(description="times a solver process was started for it")
    progress: ProgressOut | None
    warnings: list[str]
    error: str | None = Field(description="why it failed or was cancelled")
    result: dict[str, Any] | None = Field(None, description=(
        "PlanResponse or AllocationResponse (see the POST endpoints); omitted from listings"))


class JobPage(BaseModel):
    """One page of jobs, newest first. Pass ``next_cursor`` as ``cursor`` for the next page."""

    jobs: list[JobOut]
    next_cursor: str | None
