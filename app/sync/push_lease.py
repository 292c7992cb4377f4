"""The leases of push jobs: which worker holds a job, and for how long.

A claim stamps each job it takes with `lease_until`; that instant is the claim's token. A worker
acts on a job (runs it, puts it back, buries it, marks it done) only while the job still carries
its token, so a claim another worker took over after the lease ended is never acted on twice.
While a job runs, its lease is renewed every third of `SYNC_LEASE_SECONDS`: a worker that is only
slow (a long retry, a 429's wait) keeps its job; a dead one stops renewing and loses it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.core.renewal import renewed_while
from app.models import PushJob
from app.models.enums import JobStatus

log = logging.getLogger("app.sync.push")


@dataclass
class Lease:
    """A job this worker claimed, and the token (`lease_until`) it holds it by."""

    job_id: int
    until: datetime


def held(lease: Lease) -> Any:
    """The condition under which a job is still this lease's: running, with its token."""
    return and_(
        col(PushJob.id) == lease.job_id,
        col(PushJob.status) == JobStatus.running,
        col(PushJob.lease_until) == lease.until,
    )


class PushLeases:
    """Claims, renews and gives back push jobs for one worker."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.seconds = seconds
        self.clock = clock

    async def claim(self, limit: int) -> list[Lease]:
        """Lease due jobs whose earlier jobs (same report) are all done; SKIP LOCKED on PostgreSQL."""
        now = self.clock()
        until = now + timedelta(seconds=self.seconds)
        earlier = aliased(PushJob)
        blocked = exists().where(
            col(earlier.report_id) == col(PushJob.report_id),
            col(earlier.id) < col(PushJob.id),
            col(earlier.status) != JobStatus.done,
        )
        due = or_(
            and_(col(PushJob.status) == JobStatus.pending, col(PushJob.next_attempt_at) <= now),
            and_(col(PushJob.status) == JobStatus.running, col(PushJob.lease_until) < now),
        )
        query = select(col(PushJob.id)).where(due, ~blocked).order_by(col(PushJob.id)).limit(limit)
        async with self.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=PushJob)
            ids = [int(i) for i in (await session.execute(query)).scalars() if i is not None]
            if ids:
                await session.execute(
                    update(PushJob)
                    .where(col(PushJob.id).in_(ids))
                    .values(status=JobStatus.running, lease_until=until, attempts=PushJob.attempts + 1)
                    .values(updated_at=now)
                    .execution_options(synchronize_session=False)
                )
            await session.commit()
        return [Lease(job_id, until) for job_id in ids]

    async def renew(self, lease: Lease) -> bool:
        """Extend the lease from now, if the job is still ours; False when it was lost."""
        until = self.clock() + timedelta(seconds=self.seconds)
        async with self.sessions() as session:
            renewed = await session.execute(
                update(PushJob)
                .where(held(lease))
                .values(lease_until=until)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        if not renewed.rowcount:  # type: ignore[attr-defined]
            return False
        lease.until = until
        return True

    @contextlib.asynccontextmanager
    async def kept(self, lease: Lease) -> AsyncIterator[None]:
        """Renew the lease in the background while the body runs (the job is being sent)."""
        async with renewed_while(lambda: self.renew(lease), self.seconds / 3, f"push job {lease.job_id}"):
            yield

    async def release(self, leases: list[Lease]) -> None:
        """Give claimed, unstarted jobs back to the queue at once (their attempt not counted)."""
        async with self.sessions() as session:
            for lease in leases:
                await session.execute(
                    update(PushJob)
                    .where(held(lease))
                    .values(status=JobStatus.pending, lease_until=None, attempts=PushJob.attempts - 1)
                    .values(updated_at=self.clock())
                    .execution_options(synchronize_session=False)
                )
            await session.commit()
        log.info("released %d claimed push jobs on stop", len(leases))
