"""Pull: national complaints dispositioned to us, upserted locally; cursor, sweep and backfill.

A few complaints are read from national ahead of the one being applied (`FETCH_AHEAD`); they are
applied one at a time, in the order they were listed, each in its own transaction, on one
connection held for the run. The high-water mark only ever moves past complaints applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from app.config import Settings
from app.models import Category, Report, SyncCursor, SyncRun
from app.models.enums import ReportStatus
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.events import EventType, record_events
from app.sync.apply import ApplyContext, apply_complaint
from app.sync.client import LaporClient
from app.sync.errors import LaporError, NotFoundError, RejectedError
from app.sync.wire import ComplaintDetail, NationalComplaint, NationalFollowUp

log = logging.getLogger("app.sync.pull")
PULL_CURSOR = "pull"
CLOSED = [
    s.value
    for s in (ReportStatus.completed, ReportStatus.archived, ReportStatus.rejected, ReportStatus.forwarded)
]
_PULL_LOCK = 0x4C42_5055  # PostgreSQL advisory lock: one pull at a time across all workers
_SAVE_EVERY = 50
FETCH_AHEAD = 8
"""How many complaints are read from national while an earlier one is being applied."""

Sessions = Callable[[], AsyncSession]


class PullBusy(Exception):
    """Another worker is pulling right now."""


@dataclass(frozen=True)
class _Read:
    """A complaint as national shows it, with its follow-ups."""

    detail: ComplaintDetail
    follow_ups: list[NationalFollowUp]


@dataclass
class _Pending:
    """A complaint added to a pipeline and not applied yet."""

    national_id: int
    updated_at: datetime | None
    read: asyncio.Task[_Read | None] | None
    """None: a newer version is applied already, nothing to read."""


class Puller:
    """Reads national LAPOR and applies what changed; every run is recorded with its counts."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: LaporClient,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        fetch_ahead: int = FETCH_AHEAD,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.settings = settings
        self.clock = clock
        self.fetch_ahead = fetch_ahead
        self.policy = SlaPolicy.from_settings(settings)
        self.overlap = timedelta(seconds=settings.sync_overlap_seconds)
        self.interval = timedelta(seconds=settings.sync_pull_interval_seconds)

    async def pull(self, run_id: int | None = None) -> SyncRun:
        """Changes since the cursor (or, without a list call, every open report we know)."""
        if not self.client.has_list_call:
            return await self.sweep(run_id, kind="pull")
        async with self._locked(), self._recorded("pull", run_id) as run:
            await self._pull_changes(run)
        return run

    async def backfill(self, since: datetime, progress: Callable[[int], None] | None = None) -> SyncRun:
        """Everything changed since a date, whatever the cursor says (the cursor only moves forward)."""
        async with self._locked(), self._recorded("backfill", None) as run:
            run.cursor_before = await self._cursor()
            await self._pull_since(run, since, run.cursor_before, progress)
        return run

    async def sweep(self, run_id: int | None = None, *, kind: str = "sweep") -> SyncRun:
        """Re-read every open national report, to catch whatever the cursor missed.

        A sweep can take long (it is bound by the rate limit), so whenever a pull falls due it
        makes way for one, under the same lock: changes keep arriving on time meanwhile.
        """
        async with self._locked(), self._recorded(kind, run_id) as run:
            queue = deque(await self._open_national_ids())
            interleave = kind == "sweep" and self.client.has_list_call
            last_pull = self.clock()
            async with self._pipeline(run, moves_cursor=False) as pipeline:
                while queue:
                    await pipeline.add(queue.popleft(), None)
                    if interleave and self.clock() - last_pull >= self.interval:
                        queue.extendleft(reversed(await pipeline.abandon()))
                        last_pull = self.clock()
                        async with self._recorded("pull", None) as pulled:
                            await self._pull_changes(pulled)
                await pipeline.finish()
        return run

    async def _open_national_ids(self) -> list[int]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(col(Report.national_id))
                .where(col(Report.national_id).is_not(None), col(Report.status).not_in(CLOSED))
                .order_by(col(Report.national_id))
            )
            return [national_id for national_id in rows.scalars() if national_id is not None]

    async def _pull_changes(self, run: SyncRun) -> None:
        cursor = await self._cursor()
        run.cursor_before = cursor
        since = cursor - self.overlap if cursor else None
        await self._pull_since(run, since, cursor)

    async def _pull_since(
        self,
        run: SyncRun,
        since: datetime | None,
        cursor: datetime | None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        async with self._pipeline(run, moves_cursor=True, cursor=cursor, progress=progress) as pipeline:
            async for page in self._listed_pages(since):
                newer = await pipeline.newer_applied(page)
                for complaint in page:
                    await pipeline.add(complaint.id, complaint.updated_at, read=complaint.id not in newer)
            await pipeline.finish()
        await self.save_cursor(pipeline.high_water)
        run.cursor_after = pipeline.high_water

    async def _listed_pages(self, since: datetime | None) -> AsyncIterator[list[NationalComplaint]]:
        """The complaints dispositioned to us changed since then, a page at a time."""
        number = 1
        while True:
            page = await self.client.list_complaints(
                updated_since=since, disposition_id=self.client.institution_id, page=number
            )
            if page.data:
                yield page.data
            if not page.has_next or not page.data:
                return
            number += 1

    async def read_complaint(self, national_id: int) -> _Read | None:
        """One complaint's detail and follow-ups; None (logged) when national will not show it."""
        try:
            detail = await self.client.get_complaint(national_id)
            follow_ups = [f async for f in self.client.iter_followups(national_id)]
        except (NotFoundError, RejectedError) as exc:
            log.warning("national complaint %s could not be read: %s", national_id, type(exc).__name__)
            return None
        return _Read(detail, follow_ups)

    @contextlib.asynccontextmanager
    async def _pipeline(
        self,
        run: SyncRun,
        *,
        moves_cursor: bool,
        cursor: datetime | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AsyncIterator[_Pipeline]:
        """A pipeline applying on one connection held until it is done; unapplied reads are dropped."""
        async with self._engine().connect() as connection:
            sessions: Sessions = partial(self.sessions, bind=connection)
            async with sessions() as session:
                context = await self._context(session)
            pipeline = _Pipeline(self, run, sessions, context, progress, moves_cursor=moves_cursor)
            pipeline.high_water = cursor
            try:
                yield pipeline
            finally:
                await pipeline.abandon()

    def _engine(self) -> AsyncEngine:
        bind = self.sessions.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            raise TypeError("the puller needs sessions bound to an engine")
        return bind

    async def _context(self, session: AsyncSession) -> ApplyContext:
        rows = await session.execute(
            select(col(Category.national_category_id), col(Category.id)).where(
                col(Category.national_category_id).is_not(None)
            )
        )
        return ApplyContext(
            institution_id=self.settings.lapor_institution_id,
            policy=self.policy,
            prefix=self.settings.tracking_prefix,
            tz=ZoneInfo(self.settings.timezone),
            category_ids={n: c for n, c in rows if n is not None and c is not None},
        )

    async def _cursor(self) -> datetime | None:
        async with self.sessions() as session:
            row = await session.get(SyncCursor, PULL_CURSOR)
            return row.value if row else None

    async def save_cursor(self, value: datetime | None, sessions: Sessions | None = None) -> None:
        """Move the high-water mark forward (never back)."""
        if value is None:
            return
        async with (sessions or self.sessions)() as session:
            row = await session.get(SyncCursor, PULL_CURSOR)
            if row is None:
                session.add(SyncCursor(name=PULL_CURSOR, value=value, updated_at=self.clock()))
            elif row.value is None or value > row.value:
                row.value = value
                row.updated_at = self.clock()
            await session.commit()

    @contextlib.asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        """Hold the pull lock (PostgreSQL) for the block; PullBusy when another worker has it."""
        async with self.sessions() as lock_session:
            postgres = lock_session.bind is not None and lock_session.bind.dialect.name == "postgresql"
            if postgres:
                got = (
                    await lock_session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PULL_LOCK})
                ).scalar()
                if not got:
                    raise PullBusy("another worker is pulling")
            try:
                yield
            finally:
                if postgres:
                    await lock_session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PULL_LOCK})
                    await lock_session.commit()

    @contextlib.asynccontextmanager
    async def _recorded(self, kind: str, run_id: int | None) -> AsyncIterator[SyncRun]:
        """Record a run (taking over a requested one) and log its counts when it ends."""
        run = await self._start(kind, run_id)
        try:
            yield run
        except LaporError as exc:
            await self._finish(run, "failed", f"{type(exc).__name__}: {exc}")
            raise
        except Exception as exc:
            await self._finish(run, "failed", type(exc).__name__)
            raise
        await self._finish(run, "succeeded", None)

    async def _start(self, kind: str, run_id: int | None) -> SyncRun:
        async with self.sessions() as session:
            run = await session.get(SyncRun, run_id) if run_id else None
            if run is None:
                run = SyncRun(kind=kind, status="running")
                session.add(run)
            run.status = "running"
            run.started_at = self.clock()
            await session.commit()
            return run

    async def _finish(self, run: SyncRun, status: str, error: str | None) -> None:
        run.status = status
        run.error = error
        run.finished_at = self.clock()
        async with self.sessions() as session:
            await session.merge(run)
            if status == "failed":
                payload = orjson.dumps(
                    {"run_id": run.id, "kind": run.kind, "error": (error or "").split(":")[0]}
                ).decode()
                await record_events(session, None, [EventType.sync_failed], payload, run.finished_at)
            await session.commit()
        log.info(
            "sync %s run %s %s: fetched=%d created=%d updated=%d follow_ups=%d conflicts=%d errors=%d",
            run.kind,
            run.id,
            status,
            run.fetched,
            run.created,
            run.updated,
            run.follow_ups,
            run.conflicts,
            run.errors,
        )


class _Pipeline:
    """Complaints read ahead from national, applied one by one in the order they were added."""

    def __init__(
        self,
        puller: Puller,
        run: SyncRun,
        sessions: Sessions,
        context: ApplyContext,
        progress: Callable[[int], None] | None,
        *,
        moves_cursor: bool,
    ) -> None:
        self.puller = puller
        self.run = run
        self.sessions = sessions
        self.context = context
        self.progress = progress
        self.pending: deque[_Pending] = deque()
        self.high_water: datetime | None = None
        self.moves_cursor = moves_cursor

    async def newer_applied(self, listed: list[NationalComplaint]) -> set[int]:
        """The listed complaints of which a newer version is applied already (a page read late).

        Equal times prove nothing: national times have whole seconds, and two changes can share one.
        """
        times = {c.id: c.updated_at for c in listed if c.updated_at is not None}
        if not times:
            return set()
        async with self.sessions() as session:
            rows = await session.execute(
                select(col(Report.national_id), col(Report.national_updated_at)).where(
                    col(Report.national_id).in_(list(times))
                )
            )
            return {
                national_id
                for national_id, stored in rows
                if national_id is not None and stored is not None and stored > times[national_id]
            }

    async def add(self, national_id: int, updated_at: datetime | None, *, read: bool = True) -> None:
        """Start reading a complaint; apply the oldest while more than `fetch_ahead` are pending."""
        while any(p.national_id == national_id for p in self.pending):
            await self._apply_oldest()  # listed again: read it only after the earlier one is applied
        task = asyncio.create_task(self.puller.read_complaint(national_id)) if read else None
        self.pending.append(_Pending(national_id, updated_at, task))
        while len(self.pending) > self.puller.fetch_ahead:
            await self._apply_oldest()

    async def finish(self) -> None:
        """Apply everything pending."""
        while self.pending:
            await self._apply_oldest()

    async def abandon(self) -> list[int]:
        """Stop the reads not applied yet; the ids of their complaints, in order."""
        tasks = [p.read for p in self.pending if p.read is not None]
        ids = [p.national_id for p in self.pending]
        self.pending.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return ids

    async def _apply_oldest(self) -> None:
        pending = self.pending.popleft()
        run = self.run
        run.fetched += 1
        if pending.read is not None:
            read = await pending.read
            if read is None:
                run.errors += 1
            else:
                await self._apply(read)
        if pending.updated_at and (self.high_water is None or pending.updated_at > self.high_water):
            self.high_water = pending.updated_at
        if self.progress:
            self.progress(1)
        if self.moves_cursor and run.fetched % _SAVE_EVERY == 0:
            await self.puller.save_cursor(self.high_water, self.sessions)

    async def _apply(self, read: _Read) -> None:
        """Apply one complaint in its own transaction."""
        async with self.sessions() as session:
            outcome = await apply_complaint(session, read.detail, read.follow_ups, self.context)
            await session.commit()
        run = self.run
        run.created += int(outcome.created)
        run.updated += int(not outcome.created and (outcome.moves > 0 or outcome.follow_ups > 0))
        run.follow_ups += outcome.follow_ups
        run.conflicts += outcome.conflicts
