"""Persistence: jobs, API keys, the audit trail and the case file (SQLAlchemy 2; SQLite or
PostgreSQL)."""

from api.db.engine import connect, migrate
from api.db.tables import ApiKey, AuditEntry, Base, Job

__all__ = ["ApiKey", "AuditEntry", "Base", "Job", "connect", "migrate"]
