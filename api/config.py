"""Settings of the service, read from ``FIELDPLAN_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api import defaults


class Settings(BaseSettings):
    """Every knob of the service; the defaults run on a fresh machine with nothing else running."""

    model_config = SettingsConfigDict(env_prefix="FIELDPLAN_", env_file=".env", extra="ignore")

    database_url: str = Field("sqlite:///fieldplan.db", description=(
        "SQLAlchemy URL: the embedded SQLite file by default, "
        "postgresql+psycopg://user@host/db in production"))
    auth: bool = Field(True, description="require an API key; off is allowed on 127.0.0.1 only")
    concurrent_solves: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1,
                                   description="solves running at once (one process each)")
    max_queued: int = Field(100, ge=0, description="queued jobs (all tenants) beyond which "
                                                   "submissions get 429")
    max_queued_per_tenant: int = Field(50, ge=0, description=(
        "queued jobs of one tenant beyond which its submissions get 429"))
    max_time_limit_seconds: float = Field(300.0, gt=0, description=(
        "a request's time limit is lowered to this"))
    max_wait_seconds: float = Field(60.0, ge=0, description="upper bound of ?wait=")
    max_body_bytes: int = Field(50 * 1024 * 1024, ge=1024, description="request bodies above: 413")
    max_customers: int = Field(5_000, ge=1, description="customers per day-plan request")
    max_plan_collectors: int = Field(500, ge=1, description="collectors per day-plan request")
    max_cases: int = Field(200_000, ge=1, description="cases per allocation request")
    max_allocation_collectors: int = Field(5_000, ge=1, description=(
        "collectors per allocation request"))
    retention_days: float = Field(30.0, gt=0, description=(
        "finished jobs (requests and results hold personal data) are deleted after this"))
    max_attempts: int = Field(2, ge=1, description=(
        "times a job is started before an interrupted job is marked failed"))
    lease_seconds: float = Field(15.0, gt=0, description=(
        "a running job whose server has not been heard of for this long is taken over"))
    tile_url: str = Field(defaults.TILE_URL, description=(
        "map tile URL template of the map pages ({z}/{x}/{y}); routes draw without tiles too"))
    cors_origins: list[str] = Field(default_factory=list, description=(
        "browser origins allowed to call the API; none by default"))
    dask_scheduler: str | None = Field(None, description=(
        "a Dask scheduler (tcp://host:8786) to which big allocations are sent, split by "
        "groups of regions; none: every job is solved on this server"))
    dask_min_cases: int = Field(20_000, ge=1, description=(
        "allocations with at least this many cases go to the Dask scheduler, when one is set"))


@lru_cache
def get_settings() -> Settings:
    """The settings of this process (tests override the dependency)."""
    return Settings()
