"""The case file: per tenant, the cases and collectors the service has planned and every visit
outcome reported for them. A batch of outcomes is kept whole or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, insert, select

from api.db.tables import CaseRecord, CollectorRecord, VisitRecord
from api.schemas.common import MONEY_SCALE, cents
from api.schemas.follow_up import VisitIn
from api.tables import TableError

CHUNK = 500  # ids per IN (...) query
VISITS = VisitRecord.__table__


class CaseFileError(TableError):
    """A batch the case file refuses whole; each problem as ``{"field", "reason"}``."""

    status = 422


class BadBatch(CaseFileError):
    """Rows that cannot be outcomes, such as visits in the future."""


class UnknownReference(CaseFileError):
    """Outcomes name cases or collectors the tenant's case file does not hold."""


class VisitConflict(CaseFileError):
    """Visit ids already recorded with other content."""

    status = 409


@dataclass(frozen=True)
class Recorded:
    added: int
    unchanged: int


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for k in range(0, len(ids), CHUNK):
        yield ids[k:k + CHUNK]


def _existing(connection: Connection, table, tenant: str, ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(ids))):
        found.update(connection.scalars(select(table.id).where(
            table.tenant == tenant, table.id.in_(chunk))))
    return found


def register(engine: Engine, tenant: str, customers: Iterable[str],
             collectors: Iterable[str], *, now: datetime) -> None:
    """Enter the cases and collectors a plan names (those already there stay as they are)."""
    with engine.begin() as connection:
        for table, ids in ((CaseRecord, customers), (CollectorRecord, collectors)):
            ids = set(ids)
            new = ids - _existing(connection, table, tenant, ids)
            if new:
                connection.execute(insert(table), [{"tenant": tenant, "id": i, "created_at": now}
                                                   for i in sorted(new)])


def record(engine: Engine, tenant: str, outcomes: list[tuple[str, str, VisitIn]], *,
           now: datetime) -> Recorded:
    """Record ``(where, customer, visit)`` outcomes in one transaction. Raises
    ``UnknownReference`` or ``VisitConflict`` (naming each row by ``where``) and then keeps
    none of them; a visit already recorded with the same content is left as it is."""
    with engine.begin() as connection:
        cases = _existing(connection, CaseRecord, tenant, (c for _, c, _ in outcomes))
        people = _existing(connection, CollectorRecord, tenant,
                           (v.collector for _, _, v in outcomes))
        problems = []
        for where, customer, visit in outcomes:
            if customer not in cases:
                problems.append({"field": f"{where}.customer",
                                 "reason": f"no case {customer!r} in this tenant's case file"})
            if visit.collector not in people:
                problems.append({"field": f"{where}.collector", "reason": (
                    f"no collector {visit.collector!r} in this tenant's case file")})
        if problems:
            raise UnknownReference(problems)
        stored = {}
        for chunk in _chunks(sorted({v.id for _, _, v in outcomes})):
            stored.update((r["id"], r) for r in connection.execute(
                select(VISITS).where(VISITS.c.tenant == tenant, VISITS.c.id.in_(chunk)))
                .mappings())
        conflicts, rows = [], []
        for where, customer, visit in outcomes:
            row = _row(tenant, customer, visit, now)
            old = stored.get(visit.id)
            if old is not None and _content(old) != _content(row):
                conflicts.append({"field": f"{where}.id", "reason": (
                    f"visit {visit.id!r} is already recorded with other content")})
            elif old is None:
                rows.append(row)
        if conflicts:
            raise VisitConflict(conflicts)
        if rows:
            connection.execute(insert(VisitRecord), rows)
    return Recorded(added=len(rows), unchanged=len(outcomes) - len(rows))


def histories(engine: Engine, tenant: str, customers: Iterable[str]
              ) -> dict[str, tuple[date | None, list[VisitIn]]]:
    """Each known case's ``(address_updated, visits)``, oldest visit first."""
    found: dict[str, tuple[date | None, list[VisitIn]]] = {}
    ids = sorted(set(customers))
    with engine.connect() as connection:
        for chunk in _chunks(ids):
            for case in connection.execute(select(CaseRecord.id, CaseRecord.address_updated)
                                           .where(CaseRecord.tenant == tenant,
                                                  CaseRecord.id.in_(chunk))):
                found[case.id] = (case.address_updated, [])
            for visit in connection.execute(
                    select(VISITS).where(VISITS.c.tenant == tenant, VISITS.c.customer.in_(chunk))
                    .order_by(VISITS.c.visited_at, VISITS.c.id)).mappings():
                found[visit["customer"]][1].append(_visit(visit))
    return found


def set_address_updated(engine: Engine, tenant: str, case_id: str, day: date) -> bool:
    """Record that a case's address was corrected on ``day``; ``False`` if there is no case."""
    with engine.begin() as connection:
        done = connection.execute(CaseRecord.__table__.update().where(
            CaseRecord.tenant == tenant, CaseRecord.id == case_id).values(address_updated=day))
    return done.rowcount > 0


def _row(tenant: str, customer: str, visit: VisitIn, now: datetime) -> dict:
    offset = visit.visited_at.utcoffset() or timedelta(0)
    return {"tenant": tenant, "id": visit.id, "customer": customer, "collector": visit.collector,
            "visited_at": visit.visited_at.astimezone(UTC),
            "offset_minutes": int(offset.total_seconds() // 60),
            "outcome": visit.outcome.value, "amount_cents": cents(visit.amount),
            "promised_for": visit.promised_for, "notes_code": visit.notes_code,
            "recorded_at": now}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _content(row) -> tuple:
    """What makes two records of a visit the same (the time compared as an instant)."""
    return (row["customer"], row["collector"], _aware(row["visited_at"]), row["outcome"],
            row["amount_cents"], row["promised_for"], row["notes_code"])


def _visit(row) -> VisitIn:
    zone = timezone(timedelta(minutes=row["offset_minutes"]))
    return VisitIn(id=row["id"], collector=row["collector"],
                   visited_at=_aware(row["visited_at"]).astimezone(zone),
                   outcome=row["outcome"], amount=row["amount_cents"] / MONEY_SCALE,
                   promised_for=row["promised_for"], notes_code=row["notes_code"])
