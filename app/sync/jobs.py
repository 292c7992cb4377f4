"""The sync's worker jobs: a scheduled pull (and the runs asked for through the API), sweeps, push."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.config import Settings
from app.models import SyncRun
from app.models.enums import SyncRunKind, SyncRunStatus
from app.models.types import utcnow
from app.sync.pull import Puller
from app.sync.runs import PullBusy

log = logging.getLogger("app.sync.jobs")


class PullSchedule:
    """Pulls every `SYNC_PULL_INTERVAL_SECONDS`, sweeps every `SYNC_SWEEP_INTERVAL_SECONDS`,
    and runs at once any run requested through `POST /sync/run`.

    The schedule lives in the database (the last runs), not in process memory, so any number
    of workers share it; an advisory lock lets one of them pull at a time.
    """

    name = "pull"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        puller: Puller,
        settings: Settings,
        *,
        idle_seconds: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.puller = puller
        self.settings = settings
        self.idle_seconds = idle_seconds
        self.clock = clock

    @property
    def stop(self) -> asyncio.Event | None:
        """The worker's stop event, handed to the puller so that a long run ends early."""
        return self.puller.stop

    @stop.setter
    def stop(self, event: asyncio.Event | None) -> None:
        self.puller.stop = event

    async def run_once(self) -> int:
        """Run whatever is due now; 0 when nothing was."""
        try:
            requested = await self._requested()
            if requested is not None:
                if requested.kind == SyncRunKind.sweep:
                    await self.puller.sweep(requested.id)
                else:
                    await self.puller.pull(requested.id)
                return 1
            if await self._due(SyncRunKind.pull, self.settings.sync_pull_interval_seconds):
                await self.puller.pull()
                return 1
            if await self._due(SyncRunKind.sweep, self.settings.sync_sweep_interval_seconds):
                await self.puller.sweep()
                return 1
        except PullBusy:
            return 0
        return 0

    async def _requested(self) -> SyncRun | None:
        async with self.sessions() as session:
            run = (
                await session.execute(
                    select(SyncRun)
                    .where(col(SyncRun.status) == SyncRunStatus.requested)
                    .order_by(col(SyncRun.id))
                    .limit(1)
                )
            ).scalar_one_or_none()
            if run is None:
                return None
            claimed = await session.execute(
                update(SyncRun)
                .where(col(SyncRun.id) == run.id, col(SyncRun.status) == SyncRunStatus.requested)
                .values(status=SyncRunStatus.starting)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
            return run if claimed.rowcount else None  # type: ignore[attr-defined]

    async def _due(self, kind: SyncRunKind, interval: float) -> bool:
        """Whether the last run of this kind started longer ago than its interval."""
        async with self.sessions() as session:
            last = (
                await session.execute(
                    select(col(SyncRun.started_at))
                    .where(col(SyncRun.kind) == kind, col(SyncRun.started_at).is_not(None))
                    .order_by(col(SyncRun.id).desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
        return last is None or self.clock() - last >= timedelta(seconds=interval)
