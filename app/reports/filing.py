"""Filing a local report: the values written, and PostgreSQL's one-statement filing.

Filing is the service's busiest write (every regency channel calls it), so on PostgreSQL it is one
statement run on the driver's connection, outside any explicit transaction (a single statement is
atomic on its own): the category and the `Idempotency-Key` are checked in it, and the report, its
reporter, its first status event, its `report.created` event, every sink's rows (webhook
deliveries, the push job) and the idempotency record are written by it, or nothing is.
`app.reports.service.file_report` is the general path (any database, any sink), statement by
statement in the caller's session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, bindparam, text

from app.db import driver_statement
from app.models import Category, IdempotencyRecord, Report, StatusEvent
from app.models.enums import EventSource, Origin, ReportStatus
from app.reports.deadlines import SlaPolicy
from app.reports.events import EventType, event_payload
from app.reports.queries import REPORTER_COLUMNS


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


@dataclass(frozen=True)
class Idempotency:
    """The caller's `Idempotency-Key` and the hash of the body it came with."""

    key: str
    request_hash: str


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


def created_payload(new: NewReport, now: datetime, report_id: int, number: str | None) -> str:
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


async def file_on_postgresql(
    conn: Any,
    new: NewReport,
    *,
    filed_by_key_id: int | None,
    actor: str,
    prefix: str,
    tz: ZoneInfo,
    policy: SlaPolicy,
    sinks: tuple[str, ...],
    idempotency: Idempotency | None,
    now: datetime,
) -> Filed | None:
    """File `new` in one statement on an asyncpg connection that is in no transaction.

    Returns None, having written nothing and used up no number, when the category named is not
    an active one or the `Idempotency-Key` was already used by this key (the caller says which).
    Two requests racing with one `Idempotency-Key` cannot both file: the loser's statement fails
    on the records' unique key (asyncpg's `UniqueViolationError`) and writes nothing.
    """
    values = report_values(new, policy, filed_by_key_id, now)
    identity = new.reporter
    with_reporter = any(identity.values())
    params: dict[str, Any] = {
        **values,
        "category_code": new.category_code,
        "number_prefix": f"{prefix}-{now.astimezone(tz).year}-",
        "event_to_status": ReportStatus.unverified.value,
        "event_actor": actor,
        "event_source": EventSource.local.value,
        "event_created_at": now,
        "event_type": EventType.report_created.value,
        "event_payload": created_payload(new, now, 0, ""),
        "id_mark": '"report_id":0,',
        "id_key": '"report_id":',
        "number_mark": '"tracking_number":"",',
        "number_key": '"tracking_number":',
    }
    if with_reporter:
        params.update({f"reporter_{name}": identity.get(name) for name in REPORTER_COLUMNS})
    if idempotency is not None:
        params.update({"idempotency_key": idempotency.key, "request_hash": idempotency.request_hash})
    sql, names = _positional(tuple(values), with_reporter, sinks, idempotency is not None)
    row = await conn.fetchrow(sql, *[params[name] for name in names])
    if row is None:
        return None
    report_id, number = int(row["id"]), str(row["tracking_number"])
    if number != tracking_number(prefix, report_id, now, tz):  # the statement formats it too
        raise RuntimeError(f"tracking number {number!r} does not follow tracking_number()")
    return Filed(
        id=report_id, tracking_number=number, category_id=row["category_id"], agency_id=None, **values
    )


@cache
def _positional(
    columns: tuple[str, ...], with_reporter: bool, sinks: tuple[str, ...], idempotent: bool
) -> tuple[str, tuple[str, ...]]:
    """The filing statement as asyncpg takes it (`$n` parameters, typed) and its parameters' names."""
    return driver_statement(filing_statement(columns, with_reporter, sinks, idempotent))


def filing_statement(
    columns: tuple[str, ...], with_reporter: bool, sinks: tuple[str, ...], idempotent: bool
) -> TextClause:
    """The one-statement filing for these report columns and sinks.

    The id is drawn from the reports sequence first, and only once the category named (if any)
    is found active and the `Idempotency-Key` (if any) unused, so the tracking number, which
    contains the id, is written with the row; `number_prefix` is `PREFIX-YEAR-`, and the digits
    follow `tracking_number()` (zero-padded to six, longer when the id is). The event's payload
    comes made by `created_payload()` with id 0 and an empty number, both put in here. Column
    names come from the table model only; every value is a bound parameter typed like its column.
    """
    table = Report.__table__  # type: ignore[attr-defined]
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"not columns of reports: {unknown}")
    unused_key = (
        " AND NOT EXISTS (SELECT 1 FROM idempotency_records"
        " WHERE api_key_id = :filed_by_key_id AND key = :idempotency_key)"
        if idempotent
        else ""
    )
    reporter = (
        ", reporter AS (INSERT INTO reporters (report_id, name, nik, phone, email, address)"
        " SELECT id, :reporter_name, :reporter_nik, :reporter_phone, :reporter_email, :reporter_address"
        " FROM report)"
        if with_reporter
        else ""
    )
    record = (
        ", idempotency AS (INSERT INTO idempotency_records"
        " (api_key_id, key, request_hash, report_id, created_at)"
        " SELECT :filed_by_key_id, :idempotency_key, :request_hash, id, :event_created_at FROM report)"
        if idempotent
        else ""
    )
    sql = "".join(
        [
            "WITH n AS MATERIALIZED (",
            " SELECT s.id, CAST(:number_prefix AS text)",
            " || lpad(s.id::text, greatest(6, length(s.id::text)), '0') AS number",
            " FROM (SELECT nextval(pg_get_serial_sequence('reports', 'id'))::integer AS id",
            " WHERE (:category_code IS NULL",
            " OR EXISTS (SELECT 1 FROM categories WHERE code = :category_code AND active))",
            unused_key,
            ") AS s), ",
            "report AS (INSERT INTO reports (id, tracking_number, category_id, ",
            ", ".join(columns),
            ") SELECT n.id, n.number, (SELECT id FROM categories WHERE code = :category_code), ",
            ", ".join(f":{c}" for c in columns),
            " FROM n RETURNING id, tracking_number, category_id)",
            reporter,
            ", status_event AS (INSERT INTO status_events",
            " (report_id, from_status, to_status, action, actor, source, created_at)",
            " SELECT id, NULL, :event_to_status, 'file', :event_actor, :event_source, :event_created_at",
            " FROM report)",
            ", event AS (INSERT INTO domain_events (type, report_id, payload, created_at)",
            " SELECT :event_type, id, replace(replace(CAST(:event_payload AS text),",
            " :id_mark, :id_key || id || ','),",
            " :number_mark, :number_key || to_json(tracking_number)::text || ','),",
            " :event_created_at FROM report RETURNING id, type, report_id, created_at)",
            *(f", {part}" for part in sinks),
            record,
            " SELECT id, tracking_number, category_id FROM report",
        ]
    )
    typed = [bindparam(c, type_=table.c[c].type) for c in columns]
    typed.append(bindparam("category_code", type_=Category.__table__.c.code.type))  # type: ignore[attr-defined]
    typed.append(bindparam("event_created_at", type_=StatusEvent.__table__.c.created_at.type))  # type: ignore[attr-defined]
    if idempotent:
        records = IdempotencyRecord.__table__  # type: ignore[attr-defined]
        typed.append(bindparam("idempotency_key", type_=records.c.key.type))
        typed.append(bindparam("request_hash", type_=records.c.request_hash.type))
    return text(sql).bindparams(*typed)
