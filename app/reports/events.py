"""Domain events written into the outbox in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DomainEvent


class EventType(StrEnum):
    """The event types of domain.md."""

    report_created = "report.created"
    report_status_changed = "report.status_changed"
    report_disposed = "report.disposed"
    report_followed_up = "report.followed_up"
    report_overdue = "report.overdue"
    sync_conflict = "sync.conflict"
    sync_failed = "sync.failed"


def event_payload(
    *,
    report_id: int,
    tracking_number: str | None,
    kind: str,
    status_before: str | None,
    status_after: str,
    agency_code: str | None,
    occurred_at: datetime,
) -> str:
    """The event body: what happened to which report, and nothing personal."""
    return orjson.dumps(
        {
            "report_id": report_id,
            "tracking_number": tracking_number,
            "kind": kind,
            "status_before": status_before,
            "status_after": status_after,
            "agency": agency_code,
            "occurred_at": occurred_at.isoformat(),
        }
    ).decode()


async def record_events(
    session: AsyncSession, report_id: int, types: list[EventType], payload: str, at: datetime
) -> None:
    """Append events for one change to the outbox (same transaction as the change)."""
    await session.execute(
        insert(DomainEvent),
        [{"type": t.value, "report_id": report_id, "payload": payload, "created_at": at} for t in types],
    )
