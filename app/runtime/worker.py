"""The background worker: runs every periodic job of the service until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings

log = logging.getLogger("app.runtime.worker")


class WorkerJob(Protocol):
    """One kind of background work; the worker calls `run_once` in a loop."""

    name: str
    idle_seconds: float

    async def run_once(self) -> int:
        """Do one batch of work; return how many items were handled (0 = nothing to do)."""
        ...


@dataclass
class JobHealth:
    """What the worker knows of one job's loop (for metrics and status)."""

    name: str
    runs: int = 0
    items: int = 0
    failures: int = 0
    last_run_at: float | None = None
    last_success_at: float | None = None
    last_error: str | None = None


class HealthReporter(Protocol):
    """Somewhere a job loop's health is recorded (the heartbeat table)."""

    async def __call__(self, health: JobHealth) -> None:
        """Record it (failures here must not stop the worker)."""
        ...


@dataclass
class Worker:
    """Runs jobs concurrently; each loops until `stop` is set, sleeping only when idle."""

    jobs: list[WorkerJob]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    error_backoff_seconds: float = 5.0
    health: dict[str, JobHealth] = field(default_factory=dict)
    reporter: HealthReporter | None = None
    report_every_seconds: float = 10.0

    async def run(self) -> None:
        """Run every job until `stop` is set; a failing job backs off and carries on."""
        self.health = {job.name: JobHealth(job.name) for job in self.jobs}
        await asyncio.gather(self.stop.wait(), *(self._loop(job) for job in self.jobs))

    async def _loop(self, job: WorkerJob) -> None:
        health = self.health[job.name]
        if hasattr(job, "stop"):
            job.stop = self.stop  # lets a long batch end early and give back what it claimed
        reported = 0.0
        while not self.stop.is_set():
            if self.reporter is not None and time.monotonic() - reported >= self.report_every_seconds:
                reported = time.monotonic()
                try:
                    await self.reporter(health)
                except Exception:  # the heartbeat is best effort: the work goes on without it
                    log.warning("could not record the heartbeat of job %s", job.name, exc_info=True)
            health.runs += 1
            health.last_run_at = time.time()
            try:
                handled = await job.run_once()
            except Exception as exc:  # one bad batch must not stop the worker
                health.failures += 1
                health.last_error = type(exc).__name__
                log.exception("job %s failed; retrying in %ss", job.name, self.error_backoff_seconds)
                await self._sleep(self.error_backoff_seconds)
                continue
            health.items += handled
            health.last_success_at = time.time()
            health.last_error = None
            if handled == 0:
                await self._sleep(job.idle_seconds)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)


class SingleWorkerError(RuntimeError):
    """A second worker was started on an SQLite database."""


@contextlib.contextmanager
def sqlite_worker_lock(settings: Settings) -> Iterator[None]:
    """On SQLite only one worker may run: hold an exclusive lock file beside the database."""
    if not settings.is_sqlite:
        yield
        return
    database = make_url(settings.database_url).database or "lapor-bridge.db"
    lock_path = Path(f"{database}.worker.lock")
    handle: IO[str] = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SingleWorkerError(
                f"another worker already runs on the SQLite database {database}: SQLite supports one "
                "worker; use PostgreSQL (DATABASE_URL=postgresql+asyncpg://...) to run several"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def install_stop_signals(stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT ask the worker to finish its current batch and stop."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)


class HeartbeatRecorder:
    """Writes each job loop's health to `worker_heartbeats`, where `/metrics` reads it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], worker_id: str | None = None) -> None:
        self.sessions = sessions
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"

    async def __call__(self, health: JobHealth) -> None:
        """Upsert this loop's row."""
        from app.models import WorkerHeartbeat
        from app.models.types import utcnow

        def moment(stamp: float | None) -> datetime | None:
            return datetime.fromtimestamp(stamp, UTC) if stamp else None

        async with self.sessions() as session:
            row = await session.get(WorkerHeartbeat, (self.worker_id, health.name))
            if row is None:
                row = WorkerHeartbeat(worker_id=self.worker_id, job=health.name)
                session.add(row)
            row.runs, row.items, row.failures = health.runs, health.items, health.failures
            row.last_run_at = moment(health.last_run_at)
            row.last_success_at = moment(health.last_success_at)
            row.last_error = health.last_error
            row.updated_at = utcnow()
            await session.commit()
