"""Filing reports and moving them through their lifecycle. Never commits: callers do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from app.errors import Conflict, TransitionRefused, Unprocessable, VersionConflict
from app.models import Agency, Category, FollowUp, Rating, Report, Reporter, StatusEvent
from app.models.enums import EventSource, ReportStatus
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.events import EventType, event_payload, record_events
from app.reports.filing import Filed, NewReport, created_payload, report_values, tracking_number
from app.reports.identity_guard import refuse_identity_in_follow_up
from app.reports.transitions import ACTION_RULES, Action, actions_from


async def file_report(
    session: AsyncSession,
    new: NewReport,
    *,
    filed_by_key_id: int | None,
    actor: str,
    prefix: str,
    tz: ZoneInfo,
    policy: SlaPolicy,
) -> Filed:
    """Store a new local report, its reporter, its first status event and its event, statement
    by statement in the session's transaction (any database, any sink; PostgreSQL's API files
    with `app.reports.filing.file_on_postgresql` when every sink can write inside it).

    `new.category_code` must name an active category (422 otherwise, nothing written). Returns
    the report as written (not attached to the session), so callers need not read it back.
    """
    now = utcnow()
    values = report_values(new, policy, filed_by_key_id, now)
    values["category_id"] = await category_for_filing(session, new.category_code)
    report_id, number = await _insert_filing(session, new, values, actor=actor, prefix=prefix, tz=tz)
    await record_events(
        session, report_id, [EventType.report_created], created_payload(new, now, report_id, number), now
    )
    return Filed(id=report_id, tracking_number=number, **values)


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
    if move.action is Action.follow_up:
        if not (move.follow_up_text or "").strip():
            raise Unprocessable("a follow-up needs its content")
        await refuse_identity_in_follow_up(session, report.id or 0, move.follow_up_text or "")
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
