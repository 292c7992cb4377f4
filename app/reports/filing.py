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

from sqlalchemy import ColumnElement, Executable, Insert, and_, case, func, insert, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Unprocessable
from app.models import Category, DomainEvent, IdempotencyRecord, Report, Reporter, StatusEvent
from app.models.enums import EventSource, Origin, ReportStatus
from app.reports.deadlines import SlaPolicy
from app.reports.events import EventDraft, EventType, OutboxEvent, event_payload, publish_to, session_sinks
from app.reports.queries import REPORTER_COLUMNS

_REPORTS = Report.__table__  # type: ignore[attr-defined]
_REPORTERS = Reporter.__table__  # type: ignore[attr-defined]
_STATUS_EVENTS = StatusEvent.__table__  # type: ignore[attr-defined]
_EVENTS = DomainEvent.__table__  # type: ignore[attr-defined]
_CATEGORIES = Category.__table__  # type: ignore[attr-defined]
_RECORDS = IdempotencyRecord.__table__  # type: ignore[attr-defined]


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
) -> Filed | Replayed:
    """File `new` in the session's transaction, or refuse it (422) having written nothing.

    Returns the report as written (no read-back), or `Replayed` when this key already filed
    this body. Never commits: a unique-key error at commit means another request with the same
    `Idempotency-Key` won the race, and filing again answers as it did.
    """
    checked = await _check(session, new.category_code, filer.key_id, idempotency)
    if checked.replayed is not None:
        return checked.replayed
    values = report_values(new, policy, filer.key_id, now)
    report_id = checked.report_id or await _next_report_id(session)
    number = tracking_number(numbering.prefix, report_id, now, numbering.tz)
    values.update(id=report_id, tracking_number=number, category_id=checked.category_id)
    event = EventDraft(EventType.report_created.value, report_id, created_payload(new, now, report_id, number))
    inserts = _inserts(new, values, filer, idempotency)
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_composed(session, inserts, event, now))
    else:
        await _one_by_one(session, inserts, event, now)
    return Filed(**values)


@dataclass(frozen=True)
class _Checked:
    category_id: int | None
    report_id: int | None
    replayed: Replayed | None


async def _check(
    session: AsyncSession, code: str | None, key_id: int | None, idempotency: Idempotency | None
) -> _Checked:
    """One read: the category, an earlier use of the key and, on PostgreSQL when both allow
    filing, the new report's id (so a refused filing uses up no number)."""
    category_id = _scalar(_CATEGORIES.c.id, _CATEGORIES.c.code == code)
    active = _scalar(_CATEGORIES.c.active, _CATEGORIES.c.code == code)
    used = and_(_RECORDS.c.api_key_id == key_id, _RECORDS.c.key == (idempotency.key if idempotency else None))
    earlier_hash = _scalar(_RECORDS.c.request_hash, used)
    earlier_report = _scalar(_RECORDS.c.report_id, used)
    allowed = and_(true() if code is None else active.is_(True), earlier_hash.is_(None))
    draw = (
        case((allowed, func.nextval(func.pg_get_serial_sequence("reports", "id"))), else_=None)
        if session.get_bind().dialect.name == "postgresql"
        else literal(None)
    )
    row = (
        await session.execute(
            select(category_id.label("category_id"), active.label("active"), earlier_hash, earlier_report, draw)
        )
    ).one()
    if idempotency is not None and row[2] is not None:
        if row[2] != idempotency.request_hash:
            raise Unprocessable("this Idempotency-Key was already used with a different body; use a new key")
        return _Checked(None, None, Replayed(int(row[3])))
    if code is not None and row.category_id is None:
        raise Unprocessable(
            f"unknown category {code!r}",
            extra={"fields": [{"field": "category_code", "message": "unknown category"}]},
        )
    if code is not None and not row.active:
        raise Unprocessable(f"category {code!r} is deactivated")
    return _Checked(row.category_id, None if row[4] is None else int(row[4]), None)


def _scalar(column: Any, where: ColumnElement[bool]) -> Any:
    return select(column).where(where).scalar_subquery()


async def _next_report_id(session: AsyncSession) -> int:
    """The id the next report takes where there is no sequence (SQLite: its transactions take
    the write lock when they begin, so no other filing can take the same id meanwhile)."""
    drawn = (await session.execute(select(func.coalesce(func.max(_REPORTS.c.id), 0) + 1))).scalar_one()
    return int(drawn)


def _inserts(
    new: NewReport, values: dict[str, Any], filer: Filer, idempotency: Idempotency | None
) -> list[Insert]:
    """The report, its reporter, its first status event and the key's record, as inserts."""
    report_id, now = values["id"], values["created_at"]
    inserts = [insert(_REPORTS).values(values)]
    if any(new.reporter.values()):
        reporter = {name: new.reporter.get(name) for name in REPORTER_COLUMNS}
        inserts.append(insert(_REPORTERS).values(report_id=report_id, **reporter))
    inserts.append(
        insert(_STATUS_EVENTS).values(
            report_id=report_id,
            from_status=None,
            to_status=ReportStatus.unverified.value,
            action="file",
            actor=filer.actor,
            source=EventSource.local.value,
            created_at=now,
        )
    )
    if idempotency is not None:
        inserts.append(
            insert(_RECORDS).values(
                api_key_id=filer.key_id,
                key=idempotency.key,
                request_hash=idempotency.request_hash,
                report_id=report_id,
                created_at=now,
            )
        )
    return inserts


def _event_insert(event: EventDraft, now: datetime) -> Insert:
    return insert(_EVENTS).values(
        type=event.type, report_id=event.report_id, payload=event.payload, created_at=now
    )


def _composed(session: AsyncSession, inserts: Sequence[Insert], event: EventDraft, now: datetime) -> Executable:
    """Every insert, the event and each sink's rows as one statement of data-modifying CTEs."""
    written = (
        _event_insert(event, now)
        .returning(_EVENTS.c.id, _EVENTS.c.type, _EVENTS.c.report_id, _EVENTS.c.created_at)
        .cte("event")
    )
    parts = [statement.cte(f"write_{i}") for i, statement in enumerate(inserts)]
    for i, sink in enumerate(session_sinks(session)):
        rows = sink.rows_for([event], written)
        if rows is not None:
            parts.append(rows.cte(f"sink_{i}"))
    return select(written.c.id).add_cte(*parts)


async def _one_by_one(session: AsyncSession, inserts: Sequence[Insert], event: EventDraft, now: datetime) -> None:
    """The same rows, statement by statement (databases without data-modifying CTEs)."""
    for statement in inserts:
        await session.execute(statement)
    event_id = (await session.execute(_event_insert(event, now).returning(_EVENTS.c.id))).scalar_one()
    stored = OutboxEvent(int(event_id), event.type, event.report_id, event.payload, now)
    await publish_to(session, session_sinks(session), [stored])
