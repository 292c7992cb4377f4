"""Push: durable jobs, written with the local change, that carry it to national LAPOR in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import FromClause, Insert, and_, case, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.backoff import Backoff
from app.core.config import Settings
from app.core.db import refusal_summary
from app.models import PushJob
from app.models.enums import EventSource, JobKind, JobStatus, Origin, ReportStatus
from app.models.types import utcnow
from app.reports.events import EventDraft, EventType, record_events
from app.sync.client import LaporClient
from app.sync.errors import LaporError, RateLimitedError, RejectedError, TransientError
from app.sync.push_actions import PushFailed, PushNotYet, execute
from app.sync.push_lease import Lease, PushLeases, held
from app.sync.resolution import ResolutionRefused

log = logging.getLogger("app.sync.push")
PUSH_JITTER = 0.5
"""Each wait between a job's attempts is drawn between half its nominal value and the whole."""


def describe_failure(exc: BaseException) -> str:
    """A job's failure for its `last_error`: what upstream answered (its field errors included)
    for the client's errors; only the class, SQLSTATE and constraint for anything else, whose
    text may quote a row's values."""
    if isinstance(exc, RejectedError) and exc.field_errors:
        fields = "; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in sorted(exc.field_errors.items()))
        return f"{type(exc).__name__}: {exc} (HTTP {exc.status}; {fields})"
    if isinstance(exc, (LaporError, PushFailed, PushNotYet, ResolutionRefused)):
        status = f" (HTTP {exc.status})" if isinstance(exc, LaporError) and exc.status else ""
        return f"{type(exc).__name__}: {exc}{status}"
    return refusal_summary(exc)


class PushSink:
    """Writes push jobs for the events national LAPOR must hear of, in the change's transaction."""

    def rows_for(self, events: Sequence[EventDraft], written: FromClause) -> Insert | None:
        """A pending job per event that concerns upstream (`job_kind`), read from `written`."""
        decided = [(event, job_kind(event)) for event in events]
        kinds_of_type: dict[str, set[JobKind | None]] = {}
        for event, kind in decided:
            kinds_of_type.setdefault(event.type, set()).add(kind)
        picked: dict[str, tuple[Any, str]] = {}
        for event, kind in decided:
            if kind is None:
                continue
            if len(kinds_of_type[event.type]) == 1:  # the type alone decides: no value bound
                picked[event.type] = (written.c.type == event.type, kind.value)
            else:
                condition = and_(written.c.type == event.type, written.c.report_id == event.report_id)
                picked[f"{event.type}/{event.report_id}"] = (condition, kind.value)
        if not picked:
            return None
        jobs = PushJob.__table__  # type: ignore[attr-defined]
        rows = select(
            written.c.report_id,
            written.c.id,
            case(*picked.values()),
            literal(JobStatus.pending.value),
            literal(0),
            written.c.created_at,
            written.c.created_at,
            written.c.created_at,
        ).where(or_(*(condition for condition, _ in picked.values())))
        columns = (
            "report_id",
            "event_id",
            "kind",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
            "updated_at",
        )
        return insert(jobs).from_select([jobs.c[name] for name in columns], rows)


def job_kind(event: EventDraft) -> JobKind | None:
    """The push job an event calls for, if any: a local report filed, a follow-up, a forward."""
    if event.report_id is None:
        return None
    payload = orjson.loads(event.payload)
    if payload.get("source") == EventSource.national.value:
        return None  # upstream's own change coming back: nothing to send (echo suppression)
    if event.type == EventType.report_created.value and payload.get("origin") == Origin.local.value:
        return JobKind.file
    if event.type == EventType.report_followed_up.value:
        return JobKind.follow_up
    if (
        event.type == EventType.report_status_changed.value
        and payload.get("status_after") == ReportStatus.forwarded
    ):
        return JobKind.forward
    return None


class Pusher:
    """The worker job that claims due push jobs and runs them, one report's jobs in order."""

    name = "push"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        client: LaporClient,
        settings: Settings,
        *,
        batch_size: int = 20,
        idle_seconds: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        worker_id: str = "worker",
    ) -> None:
        self.sessions = sessions
        self.client = client
        self.settings = settings
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.worker_id = worker_id
        self.stop: asyncio.Event | None = None  # set by the worker: stop between jobs
        self.leases = PushLeases(sessions, settings.sync_lease_seconds, clock)
        self.backoff = Backoff(
            base=settings.sync_push_base_delay_seconds,
            cap=settings.sync_push_max_delay_seconds,
            jitter=PUSH_JITTER,
        )
        """Waits between a job's attempts; a 429's `Retry-After` is a floor."""

    async def run_once(self) -> int:
        """Claim a batch of due jobs and run each; on stop, give back the ones not started."""
        claimed = await self.claim()
        for n, lease in enumerate(claimed):
            if self.stop is not None and self.stop.is_set():
                await self.release(claimed[n:])
                return n
            await self.run_job(lease)
        return len(claimed)

    async def claim(self) -> list[Lease]:
        """Lease a batch of due jobs for this worker (see `app.sync.push_lease`)."""
        return await self.leases.claim(self.batch_size)

    async def release(self, leases: list[Lease]) -> None:
        """Give claimed, unstarted jobs back to the queue at once (their attempt not counted)."""
        await self.leases.release(leases)

    async def run_job(self, lease: Lease) -> None:
        """Send one claimed job while holding its lease, and record how it went (done, retry
        later, or dead); a job whose lease another worker took over is left to that worker."""
        if not await self.leases.renew(lease):
            log.info("push job %s was taken over after its lease ended; leaving it", lease.job_id)
            return
        async with self.sessions() as session:
            job = await session.get(PushJob, lease.job_id)
            if job is None:
                return
            await session.commit()  # no lock held while the lease keeper writes
            try:
                async with self.leases.kept(lease):
                    await execute(session, self.client, self.settings, job)
            except TransientError as exc:
                await session.rollback()
                await self._retry_or_bury(lease, exc)
                return
            except PushNotYet as exc:
                await session.rollback()
                await self._wait(lease, str(exc))
                return
            except (LaporError, PushFailed, ResolutionRefused) as exc:
                await session.rollback()
                await self._bury(lease, describe_failure(exc))
                return
            except Exception as exc:
                # Anything else (a clash in the database, a bug) is retried with back-off and
                # dies after the last attempt like any failure: a job never stays `running`.
                await session.rollback()
                log.error("push job %s failed unexpectedly: %s", lease.job_id, describe_failure(exc))
                await self._retry_or_bury(lease, exc)
                return
            await self._mark_done(session, lease)

    async def _mark_done(self, session: AsyncSession, lease: Lease) -> None:
        """Record the job done with what it wrote, in one transaction (only while it is ours)."""
        marked = await session.execute(
            update(PushJob)
            .where(held(lease))
            .values(status=JobStatus.done, lease_until=None, last_error=None, updated_at=self.clock())
            .execution_options(synchronize_session=False)
        )
        try:
            await session.commit()
        except Exception as exc:
            await session.rollback()
            log.error("push job %s could not be recorded done: %s", lease.job_id, describe_failure(exc))
            await self._retry_or_bury(lease, exc)
            return
        if not marked.rowcount:  # type: ignore[attr-defined]
            log.warning("push job %s was sent after its lease was lost", lease.job_id)

    async def _retry_or_bury(self, lease: Lease, exc: Exception) -> None:
        async with self.sessions() as session:
            job = await _held_job(session, lease)
            if job is None:
                return
            if job.attempts >= self.settings.sync_push_max_attempts:
                await session.rollback()
                await self._bury(lease, describe_failure(exc))
                return
            retry_after = exc.retry_after if isinstance(exc, RateLimitedError) else None
            delay = self.backoff.wait(job.attempts, retry_after)
            job.status = JobStatus.pending
            job.lease_until = None
            job.next_attempt_at = self.clock() + timedelta(seconds=delay)
            job.last_error = describe_failure(exc)[:2000]
            job.updated_at = self.clock()
            await session.commit()
        log.info("push job %s (%s) will retry in %.1fs", lease.job_id, type(exc).__name__, delay)

    async def _wait(self, lease: Lease, reason: str) -> None:
        """Put a job back until the next pull may have changed things; the attempt is not counted."""
        async with self.sessions() as session:
            job = await _held_job(session, lease)
            if job is None:
                return
            job.status = JobStatus.pending
            job.attempts = max(job.attempts - 1, 0)
            job.lease_until = None
            job.next_attempt_at = self.clock() + timedelta(seconds=self.settings.sync_pull_interval_seconds)
            job.last_error = reason
            job.updated_at = self.clock()
            await session.commit()

    async def _bury(self, lease: Lease, error: str) -> None:
        """Dead-letter a job with its last error, and tell the subscribers."""
        async with self.sessions() as session:
            job = await _held_job(session, lease)
            if job is None:
                return
            job.status = JobStatus.dead
            job.lease_until = None
            job.last_error = error[:2000]
            job.updated_at = self.clock()
            payload = orjson.dumps(
                {
                    "report_id": job.report_id,
                    "push_job_id": job.id,
                    "kind": job.kind,
                    "error": error.split(":")[0],
                }
            ).decode()
            await record_events(session, job.report_id, [EventType.sync_failed], payload, self.clock())
            await session.commit()
        log.warning("push job %s is dead: %s", lease.job_id, error.split(":")[0])


async def _held_job(session: AsyncSession, lease: Lease) -> PushJob | None:
    """The job, if this lease still holds it (running, with the lease's token)."""
    job = await session.get(PushJob, lease.job_id, populate_existing=True)
    if job is None or job.status != JobStatus.running or job.lease_until != lease.until:
        return None
    return job
