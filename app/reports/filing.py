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
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Insert, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Unprocessable
from app.models.enums import Origin, ReportStatus
from app.reports import filing_statements as statements
from app.reports.deadlines import SlaPolicy
from app.reports.events import (
    EventDraft,
    EventType,
    event_payload,
    record_events,
    session_sinks,
)
from app.reports.report_rows import REPORTER_COLUMNS
from app.reports.similar import SimilarQuery, SimilarReport, ranked_candidates, similar_params


@dataclass
class NewReport:
    """A report as a regency channel files it, already validated."""

    kind: str
    title: str
    content: str
    channel: str
    category_code: str | None = None
    district_code: str | None = None
    village_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    incident_date: date | None = None
    is_anonymous: bool = False
    is_secret: bool = False
    reporter: dict[str, str | None] = field(default_factory=dict)
    lookup_code_hash: str | None = None  # app.reports.lookup_code

    def __post_init__(self) -> None:
        unknown = set(self.reporter) - set(REPORTER_COLUMNS)
        if unknown:
            raise ValueError(f"unknown reporter fields: {sorted(unknown)}")


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
class Idempotency:
    """The caller's `Idempotency-Key` and the hash of the body it came with."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class Filer:
    """Who files: the key (None for the system itself) and the actor named in the history."""

    key_id: int | None
    actor: str


@dataclass(frozen=True)
class Numbering:
    """How tracking numbers are made: `PREFIX-YEAR-000123`, the year in the regency's zone."""

    prefix: str
    tz: ZoneInfo


@dataclass(frozen=True)
class Replayed:
    """The key was used before with the same body: the report that request filed."""

    report_id: int


def tracking_number(prefix: str, report_id: int, at: datetime, tz: ZoneInfo) -> str:
    """The public number of a report, e.g. `KOBAR-2026-000123`."""
    return f"{prefix}-{at.astimezone(tz).year}-{report_id:06d}"


def report_values(
    new: NewReport, policy: SlaPolicy, filed_by_key_id: int | None, now: datetime
) -> dict[str, Any]:
    """The columns of a new local report, apart from its id, number and category."""
    return {
        **policy.on_receipt(now),
        "kind": new.kind,
        "title": new.title,
        "content": new.content,
        "district_code": new.district_code,
        "village_code": new.village_code,
        "latitude": new.latitude,
        "longitude": new.longitude,
        "incident_date": new.incident_date,
        "channel": new.channel,
        "is_anonymous": new.is_anonymous,
        "is_secret": new.is_secret,
        "lookup_code_hash": new.lookup_code_hash,
        "status": ReportStatus.unverified.value,
        "origin": Origin.local.value,
        "filed_by_key_id": filed_by_key_id,
        "version": 1,
        "national_log_seen": 0,
        "created_at": now,
        "updated_at": now,
    }


def created_payload(new: NewReport, now: datetime, report_id: int, number: str) -> str:
    """The body of a new local report's `report.created` event."""
    return event_payload(
        report_id=report_id,
        tracking_number=number,
        kind=new.kind,
        status_before=None,
        status_after=ReportStatus.unverified.value,
        agency_code=None,
        occurred_at=now,
        extra={"origin": Origin.local.value},
    )


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
    asked = _Asked(new.category_code, filer.key_id, idempotency, similar if postgresql else None, now)
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
    report_id, number = values["id"], values["tracking_number"]
    event = EventDraft(
        EventType.report_created.value, report_id, created_payload(new, now, report_id, number)
    )
    inserts = statements.row_inserts(tuple(values), any(new.reporter.values()), idempotency is not None)
    params = statements.parameters(
        values,
        new.reporter,
        report_id=report_id,
        now=now,
        actor=filer.actor,
        key_id=filer.key_id,
        idempotency_key=idempotency.key if idempotency else None,
        request_hash=idempotency.request_hash if idempotency else None,
        event_type=event.type,
        event_payload=event.payload,
    )
    if postgresql:
        sinks = tuple(session_sinks(session))
        await session.execute(statements.composed_statement(inserts, sinks, event), params)
    else:
        await _one_by_one(session, inserts, params, event, now)


@dataclass(frozen=True)
class _Asked:
    """What the read before filing looks up."""

    category_code: str | None
    key_id: int | None
    idempotency: Idempotency | None
    similar: SimilarQuery | None
    now: datetime


@dataclass(frozen=True)
class _Checked:
    category_id: int | None
    report_id: int | None
    replayed: Replayed | None
    similar: list[SimilarReport] | None = None


async def _check(session: AsyncSession, postgresql: bool, asked: _Asked) -> _Checked:
    """One read: the category, an earlier use of the key and, on PostgreSQL, the new id (and
    the similar reports when asked)."""
    code, idempotency, similar = asked.category_code, asked.idempotency, asked.similar
    params = {
        "category_code": code,
        "key_id": asked.key_id,
        "idempotency_key": idempotency.key if idempotency else None,
    }
    if similar is not None:
        params.update(similar_params(similar, asked.now, None))
    near = None if similar is None else similar.latitude is not None and similar.longitude is not None
    statement = statements.check_statement(postgresql, code is not None, near)
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
