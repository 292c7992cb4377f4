"""The worker job that notices missed deadlines (once each) and completes reports nobody objected to."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.errors import Conflict
from app.models import Agency, DeadlineBreach, Report
from app.models.enums import ReportStatus
from app.models.types import utcnow
from app.reports.deadlines import DUE_COLUMN, Deadline, SlaPolicy, breached
from app.reports.events import EventType, event_payload, record_events
from app.reports.service import MoveRequest, apply_action
from app.reports.transitions import Action

log = logging.getLogger("app.deadlines")
SYSTEM_ACTOR = "system"


class DeadlineWatch:
    """Emits `report.overdue` once per breached deadline and runs automatic completion."""

    name = "deadlines"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        policy: SlaPolicy,
        *,
        idle_seconds: float = 60.0,
        batch_size: int = 200,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.policy = policy
        self.idle_seconds = idle_seconds
        self.batch_size = batch_size
        self.clock = clock

    async def run_once(self) -> int:
        """One pass: new breaches, then due automatic completions."""
        handled = 0
        for deadline in Deadline:
            handled += await self._record_breaches(deadline)
        handled += await self._auto_complete()
        return handled

    async def _record_breaches(self, deadline: Deadline) -> int:
        now = self.clock()
        due_column = getattr(Report, DUE_COLUMN[deadline])
        already = select(col(DeadlineBreach.id)).where(
            col(DeadlineBreach.report_id) == col(Report.id),
            col(DeadlineBreach.deadline) == deadline.value,
            col(DeadlineBreach.due_at) == due_column,
        )
        query = (
            select(Report, col(Agency.code))
            .outerjoin(Agency, col(Agency.id) == col(Report.agency_id))
            .where(breached(deadline, now), ~already.exists())
            .order_by(col(Report.id))
            .limit(self.batch_size)
        )
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
            recorded = 0
            for report, agency_code in rows:
                report_id = report.id or 0  # loaded rows always have one
                due_at = getattr(report, DUE_COLUMN[deadline])
                if await self._insert_breach(session, report_id, deadline, due_at, now):
                    recorded += 1
                    payload = event_payload(
                        report_id=report_id,
                        tracking_number=report.tracking_number,
                        kind=report.kind,
                        status_before=report.status,
                        status_after=report.status,
                        agency_code=agency_code,
                        occurred_at=now,
                        extra={"deadline": deadline.value, "due_at": due_at.isoformat()},
                    )
                    await record_events(session, report_id, [EventType.report_overdue], payload, now)
            await session.commit()
        if recorded:
            log.info("deadline %s: %d reports became overdue", deadline.value, recorded)
        return recorded

    @staticmethod
    async def _insert_breach(
        session: AsyncSession, report_id: int, deadline: Deadline, due_at: datetime, now: datetime
    ) -> bool:
        """Record a breach; False when another worker recorded it first."""
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(DeadlineBreach)
            .values(report_id=report_id, deadline=deadline.value, due_at=due_at, detected_at=now)
            .on_conflict_do_nothing()
            .returning(col(DeadlineBreach.id))
        )
        return (await session.execute(statement)).first() is not None

    async def _auto_complete(self) -> int:
        now = self.clock()
        async with self.sessions() as session:
            due = (
                select(col(Report.id))
                .where(
                    col(Report.status) == ReportStatus.followed_up.value,
                    col(Report.auto_complete_at).is_not(None),
                    col(Report.auto_complete_at) <= now,
                )
                .order_by(col(Report.id))
                .limit(self.batch_size)
            )
            ids = (await session.execute(due)).scalars().all()
        completed = 0
        for report_id in ids:
            async with self.sessions() as session:
                report = await session.get(Report, report_id)
                if report is None or report.status != ReportStatus.followed_up.value:
                    continue
                move = MoveRequest(
                    action=Action.complete,
                    actor=SYSTEM_ACTOR,
                    reason="no objection within the objection window",
                )
                try:
                    await apply_action(session, report, move, self.policy)
                    await session.commit()
                    completed += 1
                except Conflict:
                    await session.rollback()  # someone moved it meanwhile: nothing to do
        if completed:
            log.info("completed %d reports automatically", completed)
        return completed
