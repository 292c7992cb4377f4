"""Sync runs as recorded: a row per pull, sweep or backfill with its counts, and the pull lock.

A run's row is written when it starts (taking over a run asked for through the API), and again
when it ends: succeeded, stopped by the worker, or failed (then with a `sync.failed` event).
One pull runs at a time across all workers: on PostgreSQL an advisory lock says which.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import SyncRun
from app.models.enums import SyncRunKind, SyncRunStatus
from app.reports.events import EventType, record_events
from app.sync.errors import LaporError

log = logging.getLogger(__name__)
_PULL_LOCK = 0x4C42_5055  # PostgreSQL advisory lock: one pull at a time across all workers


class PullBusy(Exception):
    """Another worker is pulling right now."""


@contextlib.asynccontextmanager
async def pull_lock(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
    """Hold the pull lock (PostgreSQL) for the block; PullBusy when another worker has it."""
    async with sessions() as lock_session:
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


class RunLog:
    """Writes the runs' rows and logs each run's counts when it ends."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    @contextlib.asynccontextmanager
    async def recorded(self, kind: SyncRunKind, run_id: int | None) -> AsyncIterator[SyncRun]:
        """Record a run (taking over a requested one) for the block, and how it ended."""
        run = await self._start(kind, run_id)
        try:
            yield run
        except LaporError as exc:
            await self._finish(run, SyncRunStatus.failed, f"{type(exc).__name__}: {exc}")
            raise
        except Exception as exc:
            await self._finish(run, SyncRunStatus.failed, type(exc).__name__)
            raise
        stopped = run.status == SyncRunStatus.stopped
        await self._finish(run, SyncRunStatus.stopped if stopped else SyncRunStatus.succeeded, None)

    async def _start(self, kind: SyncRunKind, run_id: int | None) -> SyncRun:
        async with self.sessions() as session:
            run = await session.get(SyncRun, run_id) if run_id else None
            if run is None:
                run = SyncRun(kind=kind, status=SyncRunStatus.running)
                session.add(run)
            run.status = SyncRunStatus.running
            run.started_at = self.clock()
            await session.commit()
            return run

    async def _finish(self, run: SyncRun, status: SyncRunStatus, error: str | None) -> None:
        run.status = status
        run.error = error
        run.finished_at = self.clock()
        async with self.sessions() as session:
            await session.merge(run)
            if status == SyncRunStatus.failed:
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
