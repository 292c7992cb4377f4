"""Filing reports and moving them through their lifecycle. Never commits: callers do."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from app.errors import Conflict, TransitionRefused, Unprocessable, VersionConflict
from app.models import Agency, Category, FollowUp, Rating, Report, Reporter, StatusEvent
from app.models.enums import EventSource, Origin, ReportStatus
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.events import EventType, event_payload, filing_sinks_sql, record_events
from app.reports.transitions import ACTION_RULES, Action, actions_from


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


def tracking_number(prefix: str, report_id: int, at: datetime, tz: ZoneInfo) -> str:
    """The public number of a report, e.g. `KOBAR-2026-000123`."""
    return f"{prefix}-{at.astimezone(tz).year}-{report_id:06d}"


async def file_report(
    session: AsyncSession,
    new: NewReport,
    *,
    filed_by_key_id: int | None,
    actor: str,
    prefix: str,
    tz: ZoneInfo,
    policy: SlaPolicy,
) -> Report:
    """Store a new local report, its reporter, its first status event and its event.

    `new.category_code` must name an active category (422 otherwise, nothing written). Returns
    the report as written (not attached to the session), so callers need not read it back.
    """
    now = utcnow()
    values = {
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

    def payload(report_id: int, number: str | None) -> str:
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

    if session.get_bind().dialect.name == "postgresql":
        year_prefix = f"{prefix}-{now.astimezone(tz).year}-"
        sinks = filing_sinks_sql(session)
        filed = await _insert_filing_postgresql(
            session, new, values, actor=actor, prefix=year_prefix, sinks=sinks, payload=payload(0, "")
        )
        if filed is None:
            await category_for_filing(session, new.category_code)  # says why (unknown or deactivated)
            raise Unprocessable(f"category {new.category_code!r} is deactivated")
        report_id, number, category_id = filed
        if number != tracking_number(prefix, report_id, now, tz):  # the statement formats it too
            raise RuntimeError(f"tracking number {number!r} does not follow tracking_number()")
        if sinks is None:  # a sink that cannot write inside the statement: the general path
            await record_events(
                session, report_id, [EventType.report_created], payload(report_id, number), now
            )
    else:
        category_id = await category_for_filing(session, new.category_code)
        values["category_id"] = category_id
        report_id, number = await _insert_filing(session, new, values, actor=actor, prefix=prefix, tz=tz)
        await record_events(session, report_id, [EventType.report_created], payload(report_id, number), now)
    values["category_id"] = category_id
    return Report(id=report_id, tracking_number=number, **values)


async def category_for_filing(session: AsyncSession, code: str | None) -> int | None:
    """The id of the active category a new report names (None when it names none)."""
    if code is None:
        return None
    row = (
        await session.execute(
            select(col(Category.id), col(Category.active)).where(col(Category.code) == code)
        )
    ).one_or_none()
    if row is None:
        raise Unprocessable(
            f"unknown category {code!r}",
            extra={"fields": [{"field": "category_code", "message": "unknown category"}]},
        )
    if not row.active:
        raise Unprocessable(f"category {code!r} is deactivated")
    return int(row.id)


async def _insert_filing(
    session: AsyncSession,
    new: NewReport,
    values: dict[str, Any],
    *,
    actor: str,
    prefix: str,
    tz: ZoneInfo,
) -> tuple[int, str]:
    """The report (numbered), its reporter and its first status event; any database."""
    now: datetime = values["created_at"]
    report_id = (
        await session.execute(insert(Report).values(**values).returning(col(Report.id)))
    ).scalar_one()
    assert report_id is not None  # the database assigns it
    number = tracking_number(prefix, report_id, now, tz)
    await session.execute(update(Report).where(col(Report.id) == report_id).values(tracking_number=number))
    if any(new.reporter.values()):
        await session.execute(insert(Reporter).values(report_id=report_id, **new.reporter))
    await session.execute(
        insert(StatusEvent).values(
            report_id=report_id,
            from_status=None,
            to_status=ReportStatus.unverified.value,
            action="file",
            actor=actor,
            source=EventSource.local.value,
            created_at=now,
        )
    )
    return report_id, number


_REPORTER_COLUMNS = ("name", "nik", "phone", "email", "address")


async def _insert_filing_postgresql(
    session: AsyncSession,
    new: NewReport,
    values: dict[str, Any],
    *,
    actor: str,
    prefix: str,
    sinks: tuple[str, ...] | None,
    payload: str,
) -> tuple[int, str, int | None] | None:
    """What `_insert_filing` writes, in one statement, with the category looked up in it and (when
    every sink can) the `report.created` event and the sinks' rows too; None, and nothing written,
    when the category named is not an active one."""
    unknown = set(new.reporter) - set(_REPORTER_COLUMNS)
    if unknown:
        raise ValueError(f"unknown reporter fields: {sorted(unknown)}")
    with_reporter = any(new.reporter.values())
    params: dict[str, Any] = {
        **values,
        "category_code": new.category_code,
        "number_prefix": prefix,
        "event_to_status": ReportStatus.unverified.value,
        "event_actor": actor,
        "event_source": EventSource.local.value,
        "event_created_at": values["created_at"],
    }
    if sinks is not None:
        params.update(
            {
                "event_type": EventType.report_created.value,
                "event_payload": payload,
                "id_mark": '"report_id":0,',
                "id_key": '"report_id":',
                "number_mark": '"tracking_number":"",',
                "number_key": '"tracking_number":',
            }
        )
    if with_reporter:
        params.update({f"reporter_{name}": new.reporter.get(name) for name in _REPORTER_COLUMNS})
    statement = _filing_statement(tuple(values), with_reporter, sinks)
    row = (await session.execute(statement, params)).one_or_none()
    if row is None:
        return None
    return int(row.id), str(row.tracking_number), row.category_id


@cache
def _filing_statement(
    columns: tuple[str, ...], with_reporter: bool, sinks: tuple[str, ...] | None
) -> TextClause:
    """The one-statement filing for these report columns and sinks (built once per combination).

    The id is drawn from the reports sequence first (only once the category named, if any, is
    found active), so the tracking number, which contains it, is written with the row;
    `number_prefix` is `PREFIX-YEAR-`, and the digits follow `tracking_number()` (zero-padded to
    six, longer when the id is). The event's payload comes made by `event_payload()` with id 0
    and an empty number, both put in here. Column names come from the table model only; every
    value is a bound parameter typed like its column.
    """
    table = Report.__table__  # type: ignore[attr-defined]
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"not columns of reports: {unknown}")
    reporter = (
        "reporter AS (INSERT INTO reporters (report_id, name, nik, phone, email, address)"
        " SELECT id, :reporter_name, :reporter_nik, :reporter_phone, :reporter_email, :reporter_address"
        " FROM report), "
        if with_reporter
        else ""
    )
    event = (
        ""
        if sinks is None
        else "".join(
            [
                ", event AS (INSERT INTO domain_events (type, report_id, payload, created_at)",
                " SELECT :event_type, id, replace(replace(CAST(:event_payload AS text),",
                " :id_mark, :id_key || id || ','),",
                " :number_mark, :number_key || to_json(tracking_number)::text || ','),",
                " :event_created_at FROM report RETURNING id, type, report_id, created_at)",
                *(f", {sql}" for sql in sinks),
            ]
        )
    )
    # Column names come from the table model (checked above); every value is a bound parameter.
    sql = "".join(
        [
            "WITH n AS MATERIALIZED (",
            " SELECT s.id, CAST(:number_prefix AS text)",
            " || lpad(s.id::text, greatest(6, length(s.id::text)), '0') AS number",
            " FROM (SELECT nextval(pg_get_serial_sequence('reports', 'id'))::integer AS id",
            " WHERE :category_code IS NULL",
            " OR EXISTS (SELECT 1 FROM categories WHERE code = :category_code AND active)) AS s), ",
            "report AS (INSERT INTO reports (id, tracking_number, category_id, ",
            ", ".join(columns),
            ") SELECT n.id, n.number, (SELECT id FROM categories WHERE code = :category_code), ",
            ", ".join(f":{c}" for c in columns),
            " FROM n RETURNING id, tracking_number, category_id), ",
            reporter,
            "status_event AS (INSERT INTO status_events",
            " (report_id, from_status, to_status, action, actor, source, created_at)",
            " SELECT id, NULL, :event_to_status, 'file', :event_actor, :event_source, :event_created_at",
            " FROM report)",
            event,
            " SELECT id, tracking_number, category_id FROM report",
        ]
    )
    typed = [bindparam(c, type_=table.c[c].type) for c in columns]
    typed.append(bindparam("category_code", type_=Category.__table__.c.code.type))  # type: ignore[attr-defined]
    typed.append(bindparam("event_created_at", type_=StatusEvent.__table__.c.created_at.type))  # type: ignore[attr-defined]
    return text(sql).bindparams(*typed)


@dataclass
class MoveRequest:
    """What a caller asks of a move."""

    action: Action
    actor: str
    reason: str | None = None
    agency: Agency | None = None
    follow_up_text: str | None = None


async def apply_action(
    session: AsyncSession, report: Report, move: MoveRequest, policy: SlaPolicy
) -> StatusEvent:
    """Take one named action on a report, or refuse it and change nothing."""
    rule = ACTION_RULES[move.action]
    current = ReportStatus(report.status)
    if current not in rule.sources:
        raise TransitionRefused(
            f"cannot {move.action.value} a report that is {current.value}",
            extra={"current_status": current.value, "allowed": actions_from(current)},
        )
    new_agency_id = report.agency_id
    if move.action is Action.dispose:
        if move.agency is None:
            raise Unprocessable("dispose needs an agency")
        if not move.agency.active:
            raise Unprocessable(f"agency {move.agency.code!r} is deactivated")
        if move.agency.id == report.agency_id:
            raise Unprocessable(f"the report is already held by {move.agency.code!r}")
        new_agency_id = move.agency.id
    elif move.action is Action.send_back:
        new_agency_id = None
    if move.action is Action.follow_up and not (move.follow_up_text or "").strip():
        raise Unprocessable("a follow-up needs its content")
    return await _write_move(session, report, rule.target, move, new_agency_id, policy)


async def _write_move(
    session: AsyncSession,
    report: Report,
    target: ReportStatus,
    move: MoveRequest,
    new_agency_id: int | None,
    policy: SlaPolicy,
) -> StatusEvent:
    """Compare-and-set the status by version (deadlines with it), then write the event rows."""
    now = utcnow()
    before = report.status
    deadlines = policy.on_move(report, move.action, now)
    result = await session.execute(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.version) == report.version)
        .values(
            status=target.value,
            agency_id=new_agency_id,
            version=Report.version + 1,
            updated_at=now,
            **deadlines,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise VersionConflict("the report changed while this move was being made; read it again and retry")
    # Mirror the stored row on the loaded object without marking it dirty.
    for name, value in (
        ("status", target.value),
        ("agency_id", new_agency_id),
        ("version", report.version + 1),
        ("updated_at", now),
        *deadlines.items(),
    ):
        set_committed_value(report, name, value)
    event = StatusEvent(
        report_id=report.id or 0,
        from_status=before,
        to_status=target.value,
        action=move.action.value,
        actor=move.actor,
        reason=move.reason,
        agency_id=new_agency_id,
        source=EventSource.local.value,
        created_at=now,
    )
    session.add(event)
    if move.action is Action.follow_up:
        session.add(
            FollowUp(
                report_id=report.id or 0,
                agency_id=report.agency_id,
                content=(move.follow_up_text or "").strip(),
                author=move.actor,
                created_at=now,
            )
        )
    await session.flush()
    types = [EventType.report_status_changed]
    if move.action is Action.dispose:
        types.append(EventType.report_disposed)
    if move.action is Action.follow_up:
        types.append(EventType.report_followed_up)
    agency_code = await _agency_code(session, new_agency_id)
    payload = event_payload(
        report_id=report.id or 0,
        tracking_number=report.tracking_number,
        kind=report.kind,
        status_before=before,
        status_after=target.value,
        agency_code=agency_code,
        occurred_at=now,
        extra={"origin": report.origin},
    )
    await record_events(session, report.id or 0, types, payload, now)
    return event


async def _agency_code(session: AsyncSession, agency_id: int | None) -> str | None:
    if agency_id is None:
        return None
    code: str | None = (
        await session.execute(select(col(Agency.code)).where(col(Agency.id) == agency_id))
    ).scalar_one_or_none()
    return code


RATEABLE = frozenset({ReportStatus.followed_up.value, ReportStatus.completed.value})


async def rate_report(session: AsyncSession, report: Report, score: int, comment: str | None) -> Rating:
    """Record the reporter's rating, once, after the agency followed up."""
    if report.status not in RATEABLE:
        raise TransitionRefused(
            f"a report that is {report.status} cannot be rated yet",
            extra={"current_status": report.status, "allowed": actions_from(ReportStatus(report.status))},
        )
    existing = (
        await session.execute(select(col(Rating.id)).where(col(Rating.report_id) == report.id))
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict("this report has already been rated")
    rating = Rating(report_id=report.id or 0, score=score, comment=comment)
    session.add(rating)
    await session.flush()
    return rating
