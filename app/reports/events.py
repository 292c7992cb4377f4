"""Domain events written into the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import orjson
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import EVENT_SINKS
from app.models import DomainEvent


class EventType(StrEnum):
    """The event types of domain.md."""

    report_created = "report.created"
    report_status_changed = "report.status_changed"
    report_disposed = "report.disposed"
    report_followed_up = "report.followed_up"
    report_overdue = "report.overdue"
    report_marked_duplicate = "report.marked_duplicate"
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
    extra: dict[str, str] | None = None,
) -> str:
    """The event body: what happened to which report, and nothing personal."""
    body: dict[str, object] = {
        "report_id": report_id,
        "tracking_number": tracking_number,
        "kind": kind,
        "status_before": status_before,
        "status_after": status_after,
        "agency": agency_code,
        "occurred_at": occurred_at.isoformat(),
    }
    body.update(extra or {})
    return orjson.dumps(body).decode()


@dataclass(frozen=True)
class OutboxEvent:
    """An event just written to the outbox, as sinks receive it (in the same transaction)."""

    id: int
    type: str
    report_id: int | None
    payload: str
    created_at: datetime


class EventSink(Protocol):
    """A consumer that must record its own work in the transaction of the change.

    Webhook delivery and the national push register sinks; the lifecycle code knows neither.
    """

    async def publish(self, session: AsyncSession, events: list[OutboxEvent]) -> None:
        """Write this consumer's rows for the events (never commit)."""
        ...


class FilingSink(EventSink, Protocol):
    """A sink that can also write its rows for a new local report inside the filing statement."""

    def filing_sql(self) -> str:
        """A data-modifying CTE doing what `publish` does for the `report.created` event of a
        local report held in the CTE `event` (columns `id`, `type`, `report_id`, `created_at`).

        Its name must be unique among the sinks; it may not read anything but `event` and its own
        tables, and it takes no parameters.
        """
        ...


def filing_sinks_sql(sinks: Sequence[EventSink]) -> tuple[str, ...] | None:
    """The sinks as CTEs for the one-statement filing; None if one of them cannot be."""
    parts = []
    for sink in sinks:
        sql = getattr(sink, "filing_sql", None)
        if sql is None:
            return None
        parts.append(sql())
    return tuple(parts)


def session_sinks(session: AsyncSession) -> list[EventSink]:
    """The consumers this session hands its events to (wired by `app.wiring`)."""
    sinks: list[EventSink] = session.info.get(EVENT_SINKS, [])
    return sinks


async def record_events(
    session: AsyncSession, report_id: int | None, types: list[EventType], payload: str, at: datetime
) -> list[OutboxEvent]:
    """Append events for one change to the outbox and hand them to every sink, in one transaction."""
    table = DomainEvent.__table__  # type: ignore[attr-defined]
    values = [{"type": t.value, "report_id": report_id, "payload": payload, "created_at": at} for t in types]
    if len(values) == 1:  # the common case: one plain INSERT … RETURNING, no bulk machinery
        rows = await session.execute(insert(table).values(values[0]).returning(table.c.id, table.c.type))
    else:
        rows = await session.execute(
            insert(table).returning(table.c.id, table.c.type, sort_by_parameter_order=True), values
        )
    events = [OutboxEvent(row.id, row.type, report_id, payload, at) for row in rows]
    for sink in session_sinks(session):
        await sink.publish(session, events)
    return events
