"""Marking a report as a duplicate of another: recorded in its history, announced as an event."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, Unprocessable
from app.models import Report, StatusEvent
from app.models.types import utcnow
from app.reports.events import EventType
from app.reports.identity_guard import refuse_identity_in
from app.reports.notes import record_note
from app.reports.versioning import compare_and_set

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
    await refuse_identity_in(session, report.id or 0, reason=reason)
    now = utcnow()
    await compare_and_set(
        session,
        report,
        {"duplicate_of_id": original.id, "updated_at": now},
        clash="the report changed meanwhile; read it again and retry",
    )
    note = f"duplicate of {original.tracking_number}"
    return await record_note(
        session,
        report,
        action=MARK_DUPLICATE,
        actor=actor,
        reason=f"{note}: {reason}" if reason else note,
        event_type=EventType.report_marked_duplicate,
        extra={"duplicate_of": original.tracking_number or ""},
        now=now,
    )
