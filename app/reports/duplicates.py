"""Marking a report as a duplicate of another: recorded in its history, announced as an event."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from app.core.errors import Conflict, Unprocessable, VersionConflict
from app.models import Report, StatusEvent
from app.models.enums import EventSource
from app.models.types import utcnow
from app.reports.events import EventType, event_payload, record_events

MARK_DUPLICATE = "mark_duplicate"


def _refusal(report: Report, original: Report) -> str | None:
    if report.id == original.id:
        return "a report cannot be a duplicate of itself"
    if original.duplicate_of_id is not None:
        return f"{original.tracking_number} is itself a duplicate: mark this one a duplicate of its original"
    return None


async def mark_duplicate(
    session: AsyncSession, report: Report, original: Report, *, actor: str, reason: str | None
) -> StatusEvent:
    """Point `report` at `original` (its status stays), with a history entry and an event."""
    refusal = _refusal(report, original)
    if refusal is not None:
        raise Unprocessable(refusal)
    if report.duplicate_of_id is not None:
        raise Conflict("this report is already marked as a duplicate")
    now = utcnow()
    result = await session.execute(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.version) == report.version)
        .values(duplicate_of_id=original.id, version=Report.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise VersionConflict("the report changed meanwhile; read it again and retry")
    for name, value in (
        ("duplicate_of_id", original.id),
        ("version", report.version + 1),
        ("updated_at", now),
    ):
        set_committed_value(report, name, value)
    note = f"duplicate of {original.tracking_number}"
    event = StatusEvent(
        report_id=report.id or 0,
        from_status=report.status,
        to_status=report.status,
        action=MARK_DUPLICATE,
        actor=actor,
        reason=f"{note}: {reason}" if reason else note,
        agency_id=report.agency_id,
        source=EventSource.local.value,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    payload = event_payload(
        report_id=report.id or 0,
        tracking_number=report.tracking_number,
        kind=report.kind,
        status_before=report.status,
        status_after=report.status,
        agency_code=None,
        occurred_at=now,
        extra={"origin": report.origin, "duplicate_of": original.tracking_number or ""},
    )
    await record_events(session, report.id or 0, [EventType.report_marked_duplicate], payload, now)
    return event
