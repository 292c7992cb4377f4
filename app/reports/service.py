"""Filing reports and moving them through their lifecycle. Never commits: callers do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import Conflict, TransitionRefused, Unprocessable
from app.models import Agency, FollowUp, Rating, Report, StatusEvent
from app.models.enums import EventSource, ReportStatus
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.directory import agency_code_of
from app.reports.events import EventType, event_payload, record_events
from app.reports.identity_guard import refuse_identity_in
from app.reports.transitions import ACTION_RULES, Action, actions_from
from app.reports.versioning import compare_and_set


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
    # Every free text a move takes is read by viewers, intake and national LAPOR: no identity.
    await refuse_identity_in(session, report.id or 0, content=move.follow_up_text, reason=move.reason)
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
    await compare_and_set(
        session,
        report,
        {"status": target.value, "agency_id": new_agency_id, "updated_at": now}
        | policy.on_move(report, move.action, now),
        clash="the report changed while this move was being made; read it again and retry",
    )
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
        session.add(_follow_up_of(report, move, now))
    await session.flush()
    await _record_move_events(session, report, move.action, before, now)
    return event


def _follow_up_of(report: Report, move: MoveRequest, now: datetime) -> FollowUp:
    """The follow-up row a follow-up move writes (by the agency holding the report)."""
    return FollowUp(
        report_id=report.id or 0,
        agency_id=report.agency_id,
        content=(move.follow_up_text or "").strip(),
        author=move.actor,
        created_at=now,
    )


async def _record_move_events(
    session: AsyncSession, report: Report, action: Action, before: str, now: datetime
) -> None:
    """The domain events of a move (status changed, plus disposed or followed up) in the outbox."""
    types = [EventType.report_status_changed]
    if action is Action.dispose:
        types.append(EventType.report_disposed)
    if action is Action.follow_up:
        types.append(EventType.report_followed_up)
    payload = event_payload(
        report_id=report.id or 0,
        tracking_number=report.tracking_number,
        kind=report.kind,
        status_before=before,
        status_after=report.status,
        agency_code=await agency_code_of(session, report.agency_id),
        occurred_at=now,
        extra={"origin": report.origin},
    )
    await record_events(session, report.id or 0, types, payload, now)


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
