"""Changes decided upstream: reports pulled from national LAPOR and the statuses it sets.

Upstream decides: a national status the local table would not allow is applied anyway and
recorded as a `sync.conflict` status event (and event), never dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic_core import PydanticUndefined
from sqlalchemy import Table, bindparam, insert, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DomainEvent, FollowUp, Report, Reporter, StatusEvent
from app.models.enums import EventSource, Origin, ReportStatus
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.events import (
    EventType,
    OutboxEvent,
    event_payload,
    publish_to,
    record_events,
    session_sinks,
)
from app.reports.filing_plan import tracking_number
from app.reports.transitions import Action, is_allowed
from app.reports.versioning import compare_and_set

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
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    """Its follow-ups' columns (but `report_id`), each with its `national_follow_up_id`."""
    history: list[dict[str, Any]] = field(default_factory=list)
    """Its status events' columns (but `report_id`), from its national log; empty: one `pull` event."""


async def create_pulled_reports(
    session: AsyncSession, pulled: Sequence[PulledReport], *, policy: SlaPolicy, prefix: str, tz: ZoneInfo
) -> list[int]:
    """Store reports first seen upstream, each with its first status event, its follow-ups (each
    national one once) and `report.created`; how many follow-ups each got, in order.

    Written together, one statement per table: the pull stores many in a row.
    """
    if not pulled:
        return []
    now = utcnow()
    rows = [_report_row(p, policy, now) for p in pulled]
    ids, numbers = await _insert_numbered(session, rows, pulled, prefix, tz)
    reporters = [
        {"report_id": i, **p.reporter}
        for i, p in zip(ids, pulled, strict=True)
        if p.reporter and any(p.reporter.values())
    ]
    if reporters:
        await session.execute(insert(_REPORTERS), reporters)
    first_events = [
        event
        for i, row, p in zip(ids, rows, pulled, strict=True)
        for event in (
            [{"report_id": i, **e} for e in p.history]
            or [{"report_id": i, **_FIRST_EVENT, "to_status": row["status"], "created_at": now}]
        )
    ]
    await session.execute(insert(_STATUS_EVENTS), first_events)
    stored = await _insert_new_follow_ups(session, ids, pulled)
    await _record_created(session, ids, numbers, rows, now)
    return [stored[i] for i in ids]


async def _insert_numbered(
    session: AsyncSession,
    rows: list[dict[str, Any]],
    pulled: Sequence[PulledReport],
    prefix: str,
    tz: ZoneInfo,
) -> tuple[list[int], list[str]]:
    """Insert the reports with their tracking numbers, which contain their ids; the ids and numbers.

    On PostgreSQL the ids are drawn from the sequence first, so each row is written once: an
    update would write it again, with its search vector and every index.
    """
    if session.get_bind().dialect.name == "postgresql":
        drawn = await session.execute(_DRAW_REPORT_IDS, {"n": len(rows)})
        ids: list[int] = sorted(drawn.scalars())
        numbers = [tracking_number(prefix, i, p.received_at, tz) for i, p in zip(ids, pulled, strict=True)]
        numbered = [
            {**row, "id": i, "tracking_number": n} for row, i, n in zip(rows, ids, numbers, strict=True)
        ]
        await session.execute(insert(_REPORTS), numbered)
        return ids, numbers
    inserted = await session.execute(
        insert(_REPORTS).returning(_REPORTS.c.id, sort_by_parameter_order=True), rows
    )
    ids = list(inserted.scalars())
    numbers = [tracking_number(prefix, i, p.received_at, tz) for i, p in zip(ids, pulled, strict=True)]
    await session.execute(
        update(_REPORTS)
        .where(_REPORTS.c.id == bindparam("report_id"))
        .values(tracking_number=bindparam("number")),
        [{"report_id": i, "number": n} for i, n in zip(ids, numbers, strict=True)],
    )
    return ids, numbers


_DRAW_REPORT_IDS = text("SELECT nextval(pg_get_serial_sequence('reports', 'id')) FROM generate_series(1, :n)")
_FIRST_EVENT = {
    "from_status": None,
    "action": "pull",
    "actor": NATIONAL_ACTOR,
    "reason": None,
    "agency_id": None,
    "source": EventSource.national.value,
}


def _report_row(pulled: PulledReport, policy: SlaPolicy, now: datetime) -> dict[str, Any]:
    """Every column of a pulled report but its id and tracking number."""
    return {
        **_report_defaults(),
        **pulled.values,
        **policy.on_receipt(pulled.received_at),
        "status": pulled.status.value,
        "origin": Origin.national.value,
        "created_at": pulled.received_at,
        "updated_at": now,
    }


@cache
def _report_defaults() -> dict[str, Any]:
    """The columns of a new report that have a plain model default, at that default."""
    fields = Report.model_fields.items()
    return {
        name: info.default
        for name, info in fields
        if name not in ("id", "tracking_number") and info.default is not PydanticUndefined
    }


async def _insert_new_follow_ups(
    session: AsyncSession, ids: list[int], pulled: Sequence[PulledReport]
) -> Counter[int]:
    """Insert the reports' follow-ups, skipping national ones stored already; how many each got."""
    rows = [{**f, "report_id": i} for i, p in zip(ids, pulled, strict=True) for f in p.follow_ups]
    if not rows:
        return Counter()
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(_FOLLOW_UPS)
        .on_conflict_do_nothing(index_elements=[_FOLLOW_UPS.c.national_follow_up_id])
        .returning(_FOLLOW_UPS.c.report_id)
    )
    return Counter((await session.execute(statement, rows)).scalars())


async def _record_created(
    session: AsyncSession, ids: list[int], numbers: list[str], rows: list[dict[str, Any]], now: datetime
) -> None:
    """`report.created` for each report: what `record_events` does, with one insert and one
    publish for all of them."""
    created = EventType.report_created.value
    payloads = [
        event_payload(
            report_id=i,
            tracking_number=number,
            kind=row["kind"],
            status_before=None,
            status_after=row["status"],
            agency_code=None,
            occurred_at=now,
            extra={"origin": Origin.national.value},
        )
        for i, number, row in zip(ids, numbers, rows, strict=True)
    ]
    inserted = await session.execute(
        insert(_DOMAIN_EVENTS).returning(_DOMAIN_EVENTS.c.id, sort_by_parameter_order=True),
        [
            {"type": created, "report_id": i, "payload": p, "created_at": now}
            for i, p in zip(ids, payloads, strict=True)
        ],
    )
    events = [
        OutboxEvent(event_id, created, i, p, now)
        for event_id, i, p in zip(inserted.scalars(), ids, payloads, strict=True)
    ]
    await publish_to(session, session_sinks(session), events)


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
    await compare_and_set(
        session,
        report,
        {"status": target.value, "updated_at": now} | deadlines,
        clash="the report changed while a national status was being applied",
    )
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
    await _record_national_events(session, report, before, conflict, agency_code, now)
    return conflict


async def _record_national_events(
    session: AsyncSession,
    report: Report,
    before: ReportStatus,
    conflict: bool,
    agency_code: str | None,
    now: datetime,
) -> None:
    """The domain events of a national move: status changed, plus conflict or followed up."""
    types = [EventType.report_status_changed]
    if conflict:
        types.append(EventType.sync_conflict)
    if report.status == ReportStatus.followed_up.value:
        types.append(EventType.report_followed_up)
    payload = event_payload(
        report_id=report.id or 0,
        tracking_number=report.tracking_number,
        kind=report.kind,
        status_before=before.value,
        status_after=report.status,
        agency_code=agency_code,
        occurred_at=now,
        extra={"origin": report.origin, "source": EventSource.national.value},
    )
    await record_events(session, report.id or 0, types, payload, now)


async def _add_status_event(session: AsyncSession, event: StatusEvent) -> None:
    """Insert a status event (a plain insert: nothing reads it back)."""
    await session.execute(insert(_STATUS_EVENTS).values(event.model_dump(exclude={"id"})))


# The tables themselves: the pull writes many rows at once, without the unit of work.
_REPORTS: Table = Report.__table__  # type: ignore[attr-defined]
_REPORTERS: Table = Reporter.__table__  # type: ignore[attr-defined]
_STATUS_EVENTS: Table = StatusEvent.__table__  # type: ignore[attr-defined]
_FOLLOW_UPS: Table = FollowUp.__table__  # type: ignore[attr-defined]
_DOMAIN_EVENTS: Table = DomainEvent.__table__  # type: ignore[attr-defined]
