"""Pull: national complaints dispositioned to us, upserted locally; cursor, sweep and backfill."""

from __future__ import annotations

import contextlib
import logging

import orjson
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
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
from app.sync.wire import NationalComplaint

log = logging.getLogger("app.sync.pull")
PULL_CURSOR = "pull"
CLOSED = [
    s.value
    for s in (ReportStatus.completed, ReportStatus.archived, ReportStatus.rejected, ReportStatus.forwarded)
]
_PULL_LOCK = 0x4C42_5055  # PostgreSQL advisory lock: one pull at a time across all workers
_SAVE_EVERY = 50
FETCH_AHEAD = 8
"""How many listed complaints are read from national while earlier ones are applied."""


class PullBusy(Exception):
    """Another worker is pulling right now."""


class Puller:
    """Reads national LAPOR and applies what changed; every run is recorded with its counts."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: LaporClient,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.settings = settings
        self.clock = clock
        self.policy = SlaPolicy.from_settings(settings)
        self.overlap = timedelta(seconds=settings.sync_overlap_seconds)

    async def pull(self, run_id: int | None = None) -> SyncRun:
        """Changes since the cursor (or, without a list call, every open report we know)."""
        if not self.client.has_list_call:
            return await self.sweep(run_id, kind="pull")
        async with self._run("pull", run_id) as run:
            cursor = await self._cursor()
            run.cursor_before = cursor
            since = cursor - self.overlap if cursor else None
            await self._pull_since(run, since, cursor)
        return run

    async def backfill(self, since: datetime, progress: Callable[[int], None] | None = None) -> SyncRun:
        """Everything changed since a date, whatever the cursor says (the cursor only moves forward)."""
        async with self._run("backfill", None) as run:
            run.cursor_before = await self._cursor()
            await self._pull_since(run, since, run.cursor_before, progress)
        return run

    async def sweep(self, run_id: int | None = None, *, kind: str = "sweep") -> SyncRun:
        """Re-read every open national report, to catch whatever the cursor missed."""
        async with self._run(kind, run_id) as run:
            async with self.sessions() as session:
                ids = (
                    (
                        await session.execute(
                            select(Report.national_id)
                            .where(col(Report.national_id).is_not(None), col(Report.status).not_in(CLOSED))
                            .order_by(col(Report.national_id))
                        )
                    )
                    .scalars()
                    .all()
                )
            for national_id in ids:
                if national_id is not None:
                    await self._refresh(run, national_id, None)
        return run

    async def _pull_since(
        self,
        run: SyncRun,
        since: datetime | None,
        cursor: datetime | None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        high_water = cursor
        async for complaint in self.client.iter_complaints(updated_since=since):
            await self._refresh(run, complaint.id, complaint)
            if complaint.updated_at and (high_water is None or complaint.updated_at > high_water):
                high_water = complaint.updated_at
            if progress:
                progress(1)
            if run.fetched % _SAVE_EVERY == 0:
                await self._save_cursor(high_water)
        await self._save_cursor(high_water)
        run.cursor_after = high_water

    async def _refresh(self, run: SyncRun, national_id: int, listed: NationalComplaint | None) -> None:
        """Fetch one complaint's detail and follow-ups and apply them in one transaction."""
        run.fetched += 1
        if listed is not None and await self._unchanged(listed):
            return
        try:
            detail = await self.client.get_complaint(national_id)
            follow_ups = [f async for f in self.client.iter_followups(national_id)]
        except (NotFoundError, RejectedError) as exc:
            run.errors += 1
            log.warning("national complaint %s could not be read: %s", national_id, type(exc).__name__)
            return
        async with self.sessions() as session:
            outcome = await apply_complaint(session, detail, follow_ups, await self._context(session))
            await session.commit()
        run.created += int(outcome.created)
        run.updated += int(not outcome.created and (outcome.moves > 0 or outcome.follow_ups > 0))
        run.follow_ups += outcome.follow_ups
        run.conflicts += outcome.conflicts

    async def _unchanged(self, listed: NationalComplaint) -> bool:
        """Whether a newer version of the complaint was applied already (a page read late).

        Equal times prove nothing: national times have whole seconds, and two changes can share one.
        """
        if listed.updated_at is None:
            return False
        async with self.sessions() as session:
            stored = (
                await session.execute(
                    select(Report.national_updated_at).where(col(Report.national_id) == listed.id)
                )
            ).scalar_one_or_none()
        return stored is not None and stored > listed.updated_at

    async def _context(self, session: AsyncSession) -> ApplyContext:
        rows = await session.execute(
            select(Category.national_category_id, Category.id).where(
                col(Category.national_category_id).is_not(None)
            )
        )
        return ApplyContext(
            institution_id=self.settings.lapor_institution_id,
            policy=self.policy,
            prefix=self.settings.tracking_prefix,
            tz=ZoneInfo(self.settings.timezone),
            category_ids={int(r[0]): int(r[1]) for r in rows},
        )

    async def _cursor(self) -> datetime | None:
        async with self.sessions() as session:
            row = await session.get(SyncCursor, PULL_CURSOR)
            return row.value if row else None

    async def _save_cursor(self, value: datetime | None) -> None:
        """Move the high-water mark forward (never back)."""
        if value is None:
            return
        async with self.sessions() as session:
            row = await session.get(SyncCursor, PULL_CURSOR)
            if row is None:
                session.add(SyncCursor(name=PULL_CURSOR, value=value, updated_at=self.clock()))
            elif row.value is None or value > row.value:
                row.value = value
                row.updated_at = self.clock()
            await session.commit()

    @contextlib.asynccontextmanager
    async def _run(self, kind: str, run_id: int | None) -> AsyncIterator[SyncRun]:
        """Record a run (taking over a requested one), hold the pull lock, log its counts."""
        async with self.sessions() as lock_session:
            if lock_session.bind.dialect.name == "postgresql":
                got = (
                    await lock_session.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PULL_LOCK})
                ).scalar()
                if not got:
                    raise PullBusy("another worker is pulling")
            try:
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
            finally:
                if lock_session.bind.dialect.name == "postgresql":
                    await lock_session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PULL_LOCK})
                    await lock_session.commit()

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
