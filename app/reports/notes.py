"""A change that leaves a report's status where it is (a duplicate mark, an erasure of the
reporter's identity): recorded like a move, as a history entry from and to the same status, and
announced as an event, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Report, StatusEvent
from app.models.enums import EventSource
from app.reports.events import EventType, event_payload, record_events


async def record_note(
    session: AsyncSession,
    report: Report,
    *,
    action: str,
    actor: str,
    reason: str,
    event_type: EventType,
    extra: dict[str, str],
    now: datetime,
) -> StatusEvent:
    """Write the history entry and the event (its body: the report's, plus `extra`)."""
    report_id = report.id or 0
    entry = StatusEvent(
        report_id=report_id,
        from_status=report.status,
        to_status=report.status,
        action=action,
        actor=actor,
        reason=reason,
        agency_id=report.agency_id,
        source=EventSource.local.value,
        created_at=now,
    )
    session.add(entry)
    await session.flush()
    payload = event_payload(
        report_id=report_id,
        tracking_number=report.tracking_number,
        kind=report.kind,
        status_before=report.status,
        status_after=report.status,
        agency_code=None,
        occurred_at=now,
        extra={"origin": report.origin, **extra},
    )
    await record_events(session, report_id, [event_type], payload, now)
    return entry
