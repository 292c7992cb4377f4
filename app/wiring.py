"""Connecting the consumers of report events to the service: outbox sinks and worker jobs.

The lifecycle code (`app/reports`) imports neither webhooks nor sync; this module is the one
place that knows every consumer.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.worker import WorkerJob


def register_sinks(settings: Settings) -> None:
    """Register every consumer that writes rows in the transaction of a change."""


def build_jobs(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> list[WorkerJob]:
    """Every background job the worker runs."""
    jobs: list[WorkerJob] = []
    return jobs
