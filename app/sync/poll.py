"""Poll mode: without a list call, each national complaint we know is read on its own schedule.

A complaint is read soon after its last change and less often as it stays quiet; once closed
beyond a grace window only a slow sweep reads it (to catch a reopening upstream). The polls
spend at most a share of the rate budget (`SYNC_POLL_BUDGET_SHARE`), so pushes always get the
rest. A detail that shows nothing new since what was applied costs one call: follow-ups are
read only when its `updated_at` or status moved.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.config import Settings
from app.models import Report, SyncRun
from app.models.enums import CLOSED_STATUSES
from app.sync.apply import ApplyContext, ReadComplaint, apply_complaints
from app.sync.client import LaporClient
from app.sync.errors import BadAnswerError, NotFoundError, RejectedError, failure_text
from app.sync.wire import ComplaintDetail

log = logging.getLogger("app.sync.poll")


@dataclass(frozen=True)
class Known:
    """A national complaint as last applied locally."""

    national_id: int
    updated_at: datetime | None
    status_code: str | None
    closed: bool
    log_seen: int = 0
    """How many of its national log entries are applied."""


@dataclass(frozen=True)
class PollPlan:
    """How often a complaint is read, by how long it has been quiet."""

    active: timedelta = timedelta(seconds=75)
    """Changed within `active_for`: read this often."""
    active_for: timedelta = timedelta(days=1)
    settling: timedelta = timedelta(minutes=10)
    """Changed within `settling_for` (but not recently): read this often."""
    settling_for: timedelta = timedelta(days=7)
    quiet: timedelta = timedelta(minutes=25)
    """Quiet for longer: read this often."""
    grace: timedelta = timedelta(days=3)
    """A closed complaint is polled like an open one this long after its last change..."""
    sweep: timedelta = timedelta(hours=24)
    """...and then only this often."""

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPlan:
        """The plan the settings ask for."""
        return cls(
            active=timedelta(seconds=settings.sync_poll_active_seconds),
            quiet=timedelta(seconds=settings.sync_poll_quiet_seconds),
            grace=timedelta(hours=settings.sync_poll_closed_grace_hours),
        )

    def interval(self, known: Known, now: datetime) -> timedelta:
        """How long after its last read a complaint is due again."""
        quiet_for = now - known.updated_at if known.updated_at else self.settling_for
        if known.closed and quiet_for > self.grace:
            return self.sweep
        if quiet_for < self.active_for:
            return self.active
        return self.settling if quiet_for < self.settling_for else self.quiet

    def due(self, known: Sequence[Known], polled: dict[int, datetime], now: datetime) -> list[Known]:
        """The complaints due now, the longest overdue first (never read: most recently changed first)."""
        overdue: list[tuple[timedelta, Known]] = []
        for item in known:
            last = polled.get(item.national_id)
            if last is None:
                since_change = now - item.updated_at if item.updated_at else self.settling_for
                overdue.append((timedelta(days=365_000) - since_change, item))
            elif now - last >= self.interval(item, now):
                overdue.append((now - last - self.interval(item, now), item))
        return [item for _, item in sorted(overdue, key=lambda pair: pair[0], reverse=True)]


def changed(detail: ComplaintDetail, known: Known) -> bool:
    """Whether the detail shows something not applied yet (its time, its status or its log moved)."""
    complaint = detail.data
    code = None if complaint.status_code is None else str(complaint.status_code)[:16]
    moved = len(detail.data_logs) != known.log_seen
    return moved or complaint.updated_at != known.updated_at or code != known.status_code


class Poller:
    """Reads the due complaints within the polls' share of the budget and applies what changed."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: LaporClient,
        settings: Settings,
        *,
        clock: Callable[[], datetime],
        plan: PollPlan | None = None,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.plan = plan or PollPlan.from_settings(settings)
        self.calls_per_second = settings.lapor_rate_limit_per_minute / 60.0 * settings.sync_poll_budget_share
        self.polled: dict[int, datetime] = {}
        self._allowance = 0.0
        self._last_run: datetime | None = None

    def _budget(self, now: datetime) -> float:
        """Calls the polls may spend now: their share of the time since the last run (a minute at most)."""
        elapsed = (now - self._last_run).total_seconds() if self._last_run else 60.0
        self._last_run = now
        cap = self.calls_per_second * 60.0
        self._allowance = min(cap, self._allowance + max(0.0, elapsed) * self.calls_per_second)
        return self._allowance

    async def run(self, run: SyncRun, context: ApplyContext, stopping: Callable[[], bool]) -> None:
        """One round: read the due complaints (oldest due first) while the budget lasts."""
        now = self.clock()
        self._budget(now)
        for item in self.plan.due(await self.known(now), self.polled, now):
            if self._allowance < 1.0 or stopping():
                break
            await self._poll_one(item, run, context)
            self.polled[item.national_id] = now

    async def _poll_one(self, item: Known, run: SyncRun, context: ApplyContext) -> None:
        """Read one complaint and apply what changed. A complaint national LAPOR will not show, or
        shows in a shape the adapter cannot read, or that cannot be applied here, is counted as an
        error and read again at its next turn: it never holds up the others."""
        self._allowance -= 1.0
        try:
            detail = await self.client.get_complaint(item.national_id)
            run.fetched += 1
            if not changed(detail, item):
                return
            follow_ups = [f async for f in self.client.iter_followups(item.national_id)]
        except (NotFoundError, RejectedError, BadAnswerError) as exc:
            log.warning("national complaint %s could not be read: %s", item.national_id, failure_text(exc))
            run.errors += 1
            return
        self._allowance -= max(1, math.ceil(len(follow_ups) / 10))  # its follow-up pages (10 a page)
        try:
            async with self.sessions() as session:
                outcomes = await apply_complaints(session, [ReadComplaint(detail, follow_ups)], context)
                await session.commit()
        except Exception as exc:  # one complaint must not stop the polls; its class says what it was
            log.warning(
                "national complaint %s could not be applied: %s", item.national_id, type(exc).__name__
            )
            run.errors += 1
            return
        run.updated += sum(1 for o in outcomes if not o.created)
        run.follow_ups += sum(o.follow_ups for o in outcomes)
        run.conflicts += sum(o.conflicts for o in outcomes)

    async def known(self, now: datetime) -> list[Known]:
        """Every national complaint we hold that the plan may read (closed ones too: the sweep)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(
                    col(Report.national_id),
                    col(Report.national_updated_at),
                    col(Report.national_status_code),
                    col(Report.status),
                    col(Report.national_log_seen),
                ).where(col(Report.national_id).is_not(None))
            )
            return [
                Known(national_id, updated_at, code, status in CLOSED_STATUSES, log_seen or 0)
                for national_id, updated_at, code, status, log_seen in rows
                if national_id is not None
            ]
