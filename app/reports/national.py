"""Changes decided upstream: reports pulled from national LAPOR and the statuses it sets.

Upstream decides: a national status the local table would not allow is applied anyway and
recorded as a `sync.conflict` status event (and event), never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from app.errors import VersionConflict
from app.models import Report, Reporter, StatusEvent
from app.models.enums import EventSource, Origin, ReportStatus
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.events import EventType, event_payload, record_events
from app.reports.service import tracking_number
from app.reports.transitions import Action, is_allowed

NATIONAL_ACTOR = "national"
CONFLICT_ACTION = "sync.conflict"

# The action whose deadline rules a national move follows (for deadlines only).
_DEADLINE_ACTION = {
    ReportStatus.verified: Action.verify,
    ReportStatus.in_progress: Action.reopen,
    ReportStatus.followed_up: Action.follow_up,
    ReportStatus.completed: Action.complete,
    ReportStatus.archived: Action.archive,
    ReportStatus.rejected: Action.reject,
    ReportStatus.forwarded: Action.forward,
}


@dataclass
class PulledReport:
    """A national complaint in local terms, ready to be stored."""

    values: dict[str, Any]
    reporter: dict[str, str | None] | None
    status: ReportStatus
    received_at: datetime


async def create_pulled_report(
    session: AsyncSession, pulled: PulledReport, *, policy: SlaPolicy, prefix: str, tz: ZoneInfo
) -> Report:
    """Store a report first seen upstream, with its first status event and `report.created`.

    Written with plain inserts (no unit of work): the pull stores many of them in a row. The
    report returned is not attached to the session.
    """
    now = utcnow()
    report = Report(
        **pulled.values,
        **policy.on_receipt(pulled.received_at),
        status=pulled.status.value,
        origin=Origin.national.value,
        created_at=pulled.received_at,
        updated_at=now,
    )
    inserted = await session.execute(insert(Report).values(_row(report)).returning(col(Report.id)))
    report.id = inserted.scalar_one()
    report_id = report.id or 0
    report.tracking_number = tracking_number(prefix, report_id, pulled.received_at, tz)
    await session.execute(
        update(Report)
        .where(col(Report.id) == report_id)
        .values(tracking_number=report.tracking_number)
        .execution_options(synchronize_session=False)
    )
    if pulled.reporter and any(pulled.reporter.values()):
        await session.execute(insert(Reporter).values(report_id=report_id, **pulled.reporter))
    await _add_status_event(
        session,
        StatusEvent(
            report_id=report_id,
            from_status=None,
            to_status=pulled.status.value,
            action="pull",
            actor=NATIONAL_ACTOR,
            source=EventSource.national.value,
            created_at=now,
        ),
    )
    payload = event_payload(
        report_id=report_id,
        tracking_number=report.tracking_number,
        kind=report.kind,
        status_before=None,
        status_after=report.status,
        agency_code=None,
        occurred_at=now,
        extra={"origin": Origin.national.value},
    )
    await record_events(session, report_id, [EventType.report_created], payload, now)
    return report


async def apply_national_status(
    session: AsyncSession,
    report: Report,
    target: ReportStatus,
    *,
    reason: str | None,
    policy: SlaPolicy,
    agency_code: str | None,
    at: datetime | None = None,
) -> bool:
    """Move a report to where upstream says it is; True when the move was a conflict."""
    now = at or utcnow()
    before = ReportStatus(report.status)
    conflict = not is_allowed(before, target)
    action = _DEADLINE_ACTION.get(target)
    deadlines = policy.on_move(report, action, now) if action else {}
    result = await session.execute(
        update(Report)
        .where(col(Report.id) == report.id, col(Report.version) == report.version)
        .values(status=target.value, version=Report.version + 1, updated_at=now, **deadlines)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise VersionConflict("the report changed while a national status was being applied")
    for name, value in (
        ("status", target.value),
        ("version", report.version + 1),
        ("updated_at", now),
        *deadlines.items(),
    ):
        set_committed_value(report, name, value)
    await _add_status_event(
        session,
        StatusEvent(
            report_id=report.id or 0,
            from_status=before.value,
            to_status=target.value,
            action=CONFLICT_ACTION if conflict else "national",
            actor=NATIONAL_ACTOR,
            reason=reason,
            agency_id=report.agency_id,
            source=EventSource.national.value,
            created_at=now,
        ),
    )
    types = [EventType.report_status_changed]
    if conflict:
        types.append(EventType.sync_conflict)
    if target is ReportStatus.followed_up:
        types.append(EventType.report_followed_up)
    payload = event_payload(
        report_id=report.id or 0,
        tracking_number=report.tracking_number,
        kind=report.kind,
        status_before=before.value,
        status_after=target.value,
        agency_code=agency_code,
        occurred_at=now,
        extra={"origin": report.origin, "source": EventSource.national.value},
    )
    await record_events(session, report.id or 0, types, payload, now)
    return conflict


def _row(model: Report | StatusEvent) -> dict[str, Any]:
    """A new row's columns, defaults included, for a plain insert."""
    return model.model_dump(exclude={"id"})


async def _add_status_event(session: AsyncSession, event: StatusEvent) -> None:
    """Insert a status event (a plain insert: nothing reads it back)."""
    await session.execute(insert(StatusEvent).values(_row(event)))
