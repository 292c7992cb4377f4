"""Domain events written into the outbox in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import orjson
from sqlalchemy import FromClause, Insert, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import EVENT_SINKS
from app.models import DomainEvent


class EventType(StrEnum):
    """The event types of docs/domain.md."""

    report_created = "report.created"
    report_status_changed = "report.status_changed"
    report_disposed = "report.disposed"
    report_followed_up = "report.followed_up"
    report_overdue = "report.overdue"
    report_marked_duplicate = "report.marked_duplicate"
    report_reporter_erased = "report.reporter_erased"
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


@dataclass(frozen=True)
class EventDraft:
    """An event about to be written: what a sink decides on before the row (and its id) exists."""

    type: str
    report_id: int | None
    payload: str


class EventSink(Protocol):
    """A consumer that records its own work in the transaction of the change.

    Webhook delivery and the national push register sinks; the lifecycle code knows neither. A
    sink states its rows once, as one SQLAlchemy Core construct reading the events from a
    selectable: the outbox rows just written (`publish_to`), or, when a report is filed on
    PostgreSQL, the data-modifying CTE that writes them inside the filing statement.
    """

    def rows_for(self, events: Sequence[EventDraft], written: FromClause) -> Insert | None:
        """This consumer's rows for `events`, read from `written` (columns `id`, `type`,
        `report_id`, `created_at`; one row per event, told apart by type and report); None when
        the events need none. The construct never commits."""
        ...


def session_sinks(session: AsyncSession) -> list[EventSink]:
    """The consumers this session hands its events to (wired by `app.runtime.wiring`)."""
    sinks: list[EventSink] = session.info.get(EVENT_SINKS, [])
    return sinks


def written_events(ids: Sequence[int]) -> FromClause:
    """Outbox rows already written, as the selectable sinks read (`EventSink.rows_for`)."""
    table = DomainEvent.__table__  # type: ignore[attr-defined]
    return (
        select(table.c.id, table.c.type, table.c.report_id, table.c.created_at)
        .where(table.c.id.in_(list(ids)))
        .subquery("event")
    )


async def publish_to(
    session: AsyncSession, sinks: Sequence[EventSink], events: Sequence[OutboxEvent]
) -> None:
    """Hand events already in the outbox to the sinks: each writes its rows in the session."""
    if not events:
        return
    written = written_events([event.id for event in events])
    drafts = [EventDraft(e.type, e.report_id, e.payload) for e in events]
    for sink in sinks:
        statement = sink.rows_for(drafts, written)
        if statement is not None:
            await session.execute(statement)


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
    await publish_to(session, session_sinks(session), events)
    return events
