"""Pull: national complaints dispositioned to us, upserted locally; cursor, sweep and backfill.

Several complaints are read from national at once (`FETCH_AHEAD`), ahead of the one being
applied, and applied in the order they were listed on one connection held for the run
(`app.sync.pipeline`). The high-water mark (`app.sync.cursor`) only ever moves past complaints
applied; every run is recorded with its counts, one pull at a time (`app.sync.runs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.config import Settings
from app.models import Category, Report, SyncRun
from app.models.enums import CLOSED_STATUSES, SyncRunKind, SyncRunStatus
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.sync.apply import ApplyContext, ReadComplaint
from app.sync.client import LaporClient
from app.sync.cursor import PullCursor
from app.sync.errors import BadAnswerError, NotFoundError, RejectedError, failure_text
from app.sync.growth import PlannerStatistics
from app.sync.paging import PageWalk
from app.sync.pipeline import Pipeline, Sessions
from app.sync.poll import Poller
from app.sync.registration import Registrar, remember_unread, upstream_failure
from app.sync.runs import RunLog, pull_lock
from app.sync.wire import NationalComplaint

log = logging.getLogger("app.sync.pull")
FETCH_AHEAD = 8
"""How many complaints are read from national at once (fewer when the rate limit or the HTTP
connections would only make the others wait)."""


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
        self.poller = Poller(sessions, client, settings, clock=clock)
        self.registrar = Registrar(sessions, client, clock=clock)
        self.cursor = PullCursor(sessions, clock)
        self.runs = RunLog(sessions, clock)
        self.stop: asyncio.Event | None = None
        """Set by the worker on SIGTERM: a run applies what it has read, saves its cursor and ends
        as `stopped` (what it did not read is read by the next run)."""

    def stopping(self) -> bool:
        """Whether the worker asked the run to stop."""
        return self.stop is not None and self.stop.is_set()

    async def pull(self, run_id: int | None = None) -> SyncRun:
        """Changes since the cursor (or, without a list call, the complaints due in poll mode)."""
        if not self.client.has_list_call:
            return await self.poll(run_id)
        async with pull_lock(self.sessions), self.runs.recorded(SyncRunKind.pull, run_id) as run:
            async with self.sessions() as session:
                context = await self._context(session)
            await self._import_registered(run, context)
            await self._pull_changes(run)
        return run

    async def poll(self, run_id: int | None = None) -> SyncRun:
        """Poll mode: read the known complaints that are due, within the polls' share of the budget."""
        async with pull_lock(self.sessions), self.runs.recorded(SyncRunKind.pull, run_id) as run:
            async with self.sessions() as session:
                context = await self._context(session)
            await self._import_registered(run, context)
            await self.poller.run(run, context, self.stopping)
        return run

    async def _import_registered(self, run: SyncRun, context: ApplyContext) -> None:
        """Import the complaints officials registered (`app.sync.registration`); each one linked
        counts as just polled, so the poll schedule takes it from here."""
        for national_id in await self.registrar.run(run, context, self.stopping):
            self.poller.polled[national_id] = self.clock()

    async def backfill(self, since: datetime, progress: Callable[[int], None] | None = None) -> SyncRun:
        """Everything changed since a date, whatever the cursor says (the cursor only moves forward)."""
        async with pull_lock(self.sessions), self.runs.recorded(SyncRunKind.backfill, None) as run:
            run.cursor_before = await self.cursor.read()
            await self._pull_since(run, since, run.cursor_before, progress)
        return run

    async def sweep(self, run_id: int | None = None, *, kind: SyncRunKind = SyncRunKind.sweep) -> SyncRun:
        """Re-read every open national report, to catch whatever the cursor missed.

        A sweep can take long (it is bound by the rate limit), so whenever a pull falls due it
        makes way for one, under the same lock: changes keep arriving on time meanwhile. In poll
        mode the scheduled sweep is the poll plan's own slow sweep; one asked for reads them all.
        """
        if run_id is None and kind == SyncRunKind.sweep and not self.client.has_list_call:
            return await self.poll()
        async with pull_lock(self.sessions), self.runs.recorded(kind, run_id) as run:
            queue = deque(await self._open_national_ids())
            interleave = kind == SyncRunKind.sweep and self.client.has_list_call
            last_pull, swept = self.clock(), 0
            async with self._pipeline(run, moves_cursor=False) as pipeline:
                while queue:
                    if self.stopping():
                        await self._wind_down(pipeline, run)
                        break
                    await pipeline.add(queue.popleft(), None)
                    # Each pull is followed by some sweeping, however long pulls take.
                    if interleave and run.fetched > swept and self.clock() - last_pull >= self.interval:
                        await pipeline.apply_read()
                        queue.extendleft(reversed(await pipeline.abandon()))
                        async with self.runs.recorded(SyncRunKind.pull, None) as pulled:
                            await self._pull_changes(pulled)
                        last_pull, swept = self.clock(), run.fetched
                await pipeline.finish()
        return run

    async def _open_national_ids(self) -> list[int]:
        async with self.sessions() as session:
            rows = await session.execute(
                select(col(Report.national_id))
                .where(
                    col(Report.national_id).is_not(None), col(Report.status).not_in(sorted(CLOSED_STATUSES))
                )
                .order_by(col(Report.national_id))
            )
            return [national_id for national_id in rows.scalars() if national_id is not None]

    async def _pull_changes(self, run: SyncRun) -> None:
        cursor = await self.cursor.read()
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
                if self.stopping():
                    break
                listing = await pipeline.check(page)
                for complaint in page:
                    if self.stopping():
                        break
                    await pipeline.add(
                        complaint.id,
                        complaint.updated_at,
                        read=complaint.id not in listing.newer,
                        new=complaint.id in listing.new,
                    )
                if self.stopping():
                    break
            if self.stopping():
                await self._wind_down(pipeline, run)
            await pipeline.finish()
        await self.cursor.save(pipeline.high_water)
        run.cursor_after = pipeline.high_water

    async def _wind_down(self, pipeline: Pipeline, run: SyncRun) -> None:
        """On stop: apply the complaints read so far (in order), drop the reads still waiting."""
        await pipeline.apply_read()
        dropped = await pipeline.abandon()
        run.status = SyncRunStatus.stopped
        log.info(
            "sync %s run %s stopping: %d complaints left for the next run", run.kind, run.id, len(dropped)
        )

    async def _listed_pages(self, since: datetime | None) -> AsyncIterator[list[NationalComplaint]]:
        """The complaints dispositioned to us changed since then, a page at a time."""
        walk, number = PageWalk("GET /complaints"), 1
        while True:
            page = await self.client.list_complaints(
                updated_since=since, disposition_id=self.client.institution_id, page=number
            )
            if not walk.is_new(page):
                return
            if page.data:
                yield page.data
            if not walk.goes_on(page):
                return
            number += 1

    async def read_complaint(self, national_id: int) -> ReadComplaint | None:
        """One complaint's detail and follow-ups; None (logged) when national will not show it or
        shows it in a shape the adapter cannot read: the run counts an error and passes it by, and a
        complaint the store does not hold yet is registered for the next pulls to try again."""
        try:
            detail = await self.client.get_complaint(national_id)
            follow_ups = [f async for f in self.client.iter_followups(national_id)]
        except (NotFoundError, RejectedError, BadAnswerError) as exc:
            log.warning("national complaint %s could not be read: %s", national_id, failure_text(exc))
            await remember_unread(self.sessions, national_id, upstream_failure(exc), self.clock())
            return None
        return ReadComplaint(detail, follow_ups)

    def reads_at_once(self) -> int:
        """How many complaints to read at once: `fetch_ahead`, but no more than the rate limit lets
        through in a second, nor than the HTTP connections (one is kept for the list)."""
        by_rate = math.ceil(self.client.rate_limit.rate)
        return max(1, min(self.fetch_ahead, by_rate, self.settings.lapor_max_connections - 1))

    @contextlib.asynccontextmanager
    async def _pipeline(
        self,
        run: SyncRun,
        *,
        moves_cursor: bool,
        cursor: datetime | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AsyncIterator[Pipeline]:
        """A pipeline applying on one connection held until it is done; unapplied reads are dropped."""
        async with self._engine().connect() as connection:
            sessions: Sessions = partial(self.sessions, bind=connection)
            async with sessions() as session:
                context = await self._context(session)
                statistics = await PlannerStatistics.of(session)
            pipeline = Pipeline(
                run,
                sessions,
                context,
                read=self.read_complaint,
                reads_at_once=self.reads_at_once(),
                store_cursor=self.cursor.store if moves_cursor else None,
                progress=progress,
                statistics=statistics,
            )
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
            districts=dict(self.settings.lapor_district_locations),
        )
