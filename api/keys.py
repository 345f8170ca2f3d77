"""API keys: created for a tenant, shown once, stored as a SHA-256 digest, revocable."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from api.db.tables import ApiKey
from api.jobs.store import audit, digest, now

_PREFIX = "fp_"


def create(engine: Engine, tenant: str) -> tuple[str, str]:
    """A new key for ``tenant``: ``(key id, key)``. Only the digest of the key is stored."""
    key_id = secrets.token_hex(6)
    key = f"{_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    with Session(engine) as session:
        session.add(ApiKey(id=key_id, tenant=tenant, key_hash=digest(key), created_at=now()))
        session.commit()
    audit(engine, tenant, key_id, "key_create")
    return key_id, key


def key_id_of(given: str) -> str:
    """The id of a key given by its id or as the key itself (whose secret part is dropped)."""
    if given.startswith(_PREFIX):
        return given[len(_PREFIX):].split("_", 1)[0]
    return given


def revoke(engine: Engine, key_id: str) -> bool:
    """Revoke a key by its id (or the key itself); False if there is no such active key."""
    key_id = key_id_of(key_id)
    with Session(engine) as session:
        key = session.get(ApiKey, key_id)
        if key is None or key.revoked_at is not None:
            return False
        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=now()))
        session.commit()
        tenant = key.tenant
    audit(engine, tenant, key_id, "key_revoke")
    return True


def listing(engine: Engine) -> list[ApiKey]:
    """Every key (ids, tenants, dates; never the keys)."""
    with Session(engine) as session:
        return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def authenticate(engine: Engine, key: str) -> ApiKey | None:
    """The active key matching ``key``, or None."""
    with Session(engine) as session:
        return session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(key),
                                                   ApiKey.revoked_at.is_(None)))
