"""The tables. Requests and results are kept as JSON text: they are written once and read whole."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Job(Base):
    """A day plan or an allocation: the request, its state, and when done the result."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("tenant", "idempotency_key", name="uq_jobs_tenant_idempotency_key"),
        Index("ix_jobs_status_seq", "status", "seq"),
        Index("ix_jobs_tenant_seq", "tenant", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    tenant: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    owner: Mapped[str | None] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    request: Mapped[str] = mapped_column(Text)
    time_limit: Mapped[float] = mapped_column(Float)
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    progress: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    solve_seconds: Mapped[float | None] = mapped_column(Float)


class ApiKey(Base):
    """An API key, stored as its SHA-256 digest; the key itself is shown once, at creation."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class AuditEntry(Base):
    """Who did what, when: ids only, never names or addresses."""

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(Timestamp)
    tenant: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)


class CaseRecord(Base):
    """A case (customer) the service has planned for a tenant: outcomes may be reported for it."""

    __tablename__ = "cases"

    tenant: Mapped[str] = mapped_column(String(128), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    address_updated: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class CollectorRecord(Base):
    """A collector the service has planned for a tenant."""

    __tablename__ = "collectors"

    tenant: Mapped[str] = mapped_column(String(128), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class VisitRecord(Base):
    """One visit's outcome, as reported; a visit id is recorded once per tenant."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_tenant_customer", "tenant", "customer", "visited_at"),)

    tenant: Mapped[str] = mapped_column(String(128), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer: Mapped[str] = mapped_column(String(128))
    collector: Mapped[str] = mapped_column(String(128))
    visited_at: Mapped[datetime] = mapped_column(Timestamp)
    offset_minutes: Mapped[int] = mapped_column(Integer)  # the visit's own UTC offset
    outcome: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    promised_for: Mapped[date | None] = mapped_column(Date)
    notes_code: Mapped[str | None] = mapped_column(String(50))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp)
