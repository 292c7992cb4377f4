"""Erasing a reporter's identity: on the reporter's request, or when its retention period ends.

Indonesia's data protection law (UU 27/2022) lets a person have their personal data erased and
asks a controller to keep it no longer than its purpose needs (docs/domain.md, "Privacy"). The
report stays (it is the regency's record of a public-service matter); its reporter row is deleted,
its history says who erased it, when and why (never what), and `report.reporter_erased` tells
the systems that receive webhooks to erase their own copy. A pulled report never gets its
reporter back: the pull writes a reporter only when it creates the report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import Conflict, VersionConflict
from app.models import Report, Reporter, StatusEvent
from app.models.enums import CLOSED_STATUSES
from app.models.types import utcnow
from app.reports.events import EventType
from app.reports.identity_guard import refuse_identity_in
from app.reports.notes import record_note
from app.reports.versioning import compare_and_set

ERASE_REPORTER = "erase_reporter"
RETENTION_ACTOR = "system:retention"
RETENTION_BATCH = 200
"""Reports one retention sweep erases at most (the next sweep takes the rest)."""


async def erase_reporter(session: AsyncSession, report: Report, *, actor: str, reason: str) -> StatusEvent:
    """Delete the report's reporter row, with a history entry and an event (the caller commits).

    `Conflict` when the report keeps no reporter identity (never had one, anonymous pulled, or
    erased before); the reason is refused like a move's when it carries the identity itself.
    """
    report_id = report.id or 0
    held = await session.execute(select(col(Reporter.id)).where(col(Reporter.report_id) == report_id))
    if held.scalar_one_or_none() is None:
        raise Conflict("the report keeps no reporter identity: nothing to erase")
    await refuse_identity_in(session, report_id, reason=reason)
    now = utcnow()
    await compare_and_set(
        session, report, {"updated_at": now}, clash="the report changed meanwhile; read it again and retry"
    )
    await session.execute(delete(Reporter).where(col(Reporter.report_id) == report_id))
    return await record_note(
        session,
        report,
        action=ERASE_REPORTER,
        actor=actor,
        reason=f"reporter identity erased: {reason}",
        event_type=EventType.report_reporter_erased,
        extra={"erased_by": "retention" if actor == RETENTION_ACTOR else "request"},
        now=now,
    )


async def erase_expired(session: AsyncSession, *, retention_days: int, now: datetime | None = None) -> int:
    """Erase the reporters of closed reports unchanged for `retention_days`; how many (commits each).

    A report changed meanwhile (a version clash) is left for the next sweep.
    """
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    closed = [status.value for status in CLOSED_STATUSES]
    ids = (
        await session.execute(
            select(col(Report.id))
            .join(Reporter, col(Reporter.report_id) == col(Report.id))
            .where(col(Report.status).in_(closed), col(Report.updated_at) <= cutoff)
            .order_by(col(Report.updated_at), col(Report.id))
            .limit(RETENTION_BATCH)
        )
    ).scalars()
    reason = f"kept {retention_days} days after the report closed (REPORTER_RETENTION_DAYS)"
    erased = 0
    for report_id in list(ids):
        report = await session.get(Report, report_id, populate_existing=True)
        if report is None:
            continue
        try:
            await erase_reporter(session, report, actor=RETENTION_ACTOR, reason=reason)
            await session.commit()
            erased += 1
        except (Conflict, VersionConflict):  # changed or erased meanwhile: the next sweep looks again
            await session.rollback()
    return erased
