"""Filing a local report: one service for every database.

Every rule is stated once, in Python or as one SQLAlchemy Core construct: the active category
and the `Idempotency-Key` are checked (and, on PostgreSQL, the report's id drawn) by one read
before anything is written; the tracking number, the first status event and the
`report.created` event are made in Python; each outbox sink states its rows as one construct
reading the events it is given (`EventSink.rows_for`). On PostgreSQL the inserts are composed
into one statement of data-modifying CTEs (one round trip); on other databases they run one
after the other in the same transaction. The caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Insert, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Unprocessable
from app.reports import filing_statements as statements
from app.reports.deadlines import SlaPolicy
from app.reports.events import (
    EventDraft,
    EventType,
    record_events,
    session_sinks,
)
from app.reports.filing_plan import (
    Asked,
    Filer,
    Idempotency,
    NewReport,
    Numbering,
    check_plan,
    report_values,
    tracking_number,
    write_plan,
)
from app.reports.similar import SimilarQuery, SimilarReport, ranked_candidates


class Filed(SimpleNamespace):
    """A report just written: every column it was written with, as attributes (like a `Report`
    row read back, which it need not be); the columns a new report leaves empty read as None."""

    id: int
    tracking_number: str
    category_id: int | None
    filed_by_key_id: int | None
    is_anonymous: bool
    is_secret: bool
    status: str
    version: int
    agency_id: int | None = None
    follow_up_due_at: datetime | None = None
    auto_complete_at: datetime | None = None
    national_id: int | None = None
    national_tracking_id: str | None = None
    national_status_code: str | None = None
    national_status_name: str | None = None
    # The reports like it that the store held before it was filed, when the read before filing
    # found them (`file_report`'s `similar`); None when they were not read.
    similar: list[SimilarReport] | None = None


@dataclass(frozen=True)
class Replayed:
    """The key was used before with the same body: the report that request filed."""

    report_id: int


async def file_report(
    session: AsyncSession,
    new: NewReport,
    *,
    filer: Filer,
    numbering: Numbering,
    policy: SlaPolicy,
    now: datetime,
    idempotency: Idempotency | None = None,
    similar: SimilarQuery | None = None,
) -> Filed | Replayed:
    """File `new` in the session, or refuse it (422) having written nothing.

    Returns the report as written (no read-back), or `Replayed` when this key already filed
    this body. Never commits. A unique-key error means another request with the same
    `Idempotency-Key` won a race: filing again then answers as it did. With `similar`, on
    PostgreSQL the read before filing also finds the reports like it (`Filed.similar`).
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    asked = Asked(new.category_code, filer.key_id, idempotency, similar if postgresql else None, now)
    checked = await _check(session, postgresql, asked)
    if checked.replayed is not None:
        return checked.replayed
    values = report_values(new, policy, filer.key_id, now)
    report_id = checked.report_id or await _next_report_id(session)
    number = tracking_number(numbering.prefix, report_id, now, numbering.tz)
    values.update(id=report_id, tracking_number=number, category_id=checked.category_id)
    await _write(session, postgresql, new, values, filer, idempotency, now)
    return Filed(**values, similar=checked.similar)


async def _write(
    session: AsyncSession,
    postgresql: bool,
    new: NewReport,
    values: dict[str, Any],
    filer: Filer,
    idempotency: Idempotency | None,
    now: datetime,
) -> None:
    """Every row of the new report: one statement on PostgreSQL, one after the other elsewhere."""
    plan = write_plan(new, values, filer, idempotency, now)
    if postgresql:
        await session.execute(plan.composed(tuple(session_sinks(session))), plan.params)
    else:
        await _one_by_one(session, plan.inserts, plan.params, plan.event, now)


@dataclass(frozen=True)
class _Checked:
    category_id: int | None
    report_id: int | None
    replayed: Replayed | None
    similar: list[SimilarReport] | None = None


async def _check(session: AsyncSession, postgresql: bool, asked: Asked) -> _Checked:
    """One read: the category, an earlier use of the key and, on PostgreSQL, the new id (and
    the similar reports when asked)."""
    code, idempotency, similar = asked.category_code, asked.idempotency, asked.similar
    statement, params = check_plan(postgresql, asked)
    row = (await session.execute(statement, params)).one()
    if idempotency is not None and row.earlier_hash is not None:
        if row.earlier_hash != idempotency.request_hash:
            raise Unprocessable("this Idempotency-Key was already used with a different body; use a new key")
        return _Checked(None, None, Replayed(int(row.earlier_report)))
    if code is not None and row.category_id is None:
        raise Unprocessable(
            f"unknown category {code!r}",
            extra={"fields": [{"field": "category_code", "message": "unknown category"}]},
        )
    if code is not None and not row.active:
        raise Unprocessable(f"category {code!r} is deactivated")
    found = None if similar is None else ranked_candidates(similar, row.similar)
    return _Checked(row.category_id, None if row.drawn is None else int(row.drawn), None, found)


async def _next_report_id(session: AsyncSession) -> int:
    """The id the next report takes where there is no sequence (SQLite: its transactions take
    the write lock when they begin, so no other filing can take the same id meanwhile)."""
    drawn = (
        await session.execute(select(func.coalesce(func.max(statements.REPORTS.c.id), 0) + 1))
    ).scalar_one()
    return int(drawn)


async def _one_by_one(
    session: AsyncSession, inserts: Sequence[Insert], params: dict[str, Any], event: EventDraft, now: datetime
) -> None:
    """The same rows statement by statement, in the session's transaction (SQLite); the event
    and its sinks' rows as every other change writes them (`record_events`)."""
    for statement in inserts:
        await session.execute(statement, params)
    await record_events(session, event.report_id, [EventType(event.type)], event.payload, now)
