"""Connecting the consumers of report events to the service: outbox sinks and worker jobs.

The lifecycle code (`app/reports`) imports neither webhooks nor sync; this module is the one
place that knows every consumer.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import session_factory
from app.reports.events import EventSink
from app.runtime.worker import WorkerJob


def build_sinks(settings: Settings) -> list[EventSink]:
    """Every consumer that writes its rows in the transaction of a change."""
    from app.sync.push import PushSink
    from app.webhooks.fanout import WebhookSink

    sinks: list[EventSink] = [WebhookSink()]
    if sync_enabled(settings):
        sinks.append(PushSink())
    return sinks


def sync_enabled(settings: Settings) -> bool:
    """Whether the national sync is configured (LAPOR_BASE_URL set)."""
    return bool(settings.lapor_base_url)


def sessions_for(settings: Settings, engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory of an app or worker, with its outbox sinks wired in."""
    return session_factory(engine, build_sinks(settings))


def build_jobs(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> list[WorkerJob]:
    """Every background job the worker runs."""
    from app.reports.deadline_watch import DeadlineWatch
    from app.reports.deadlines import SlaPolicy
    from app.runtime.housekeeping import Housekeeping

    jobs: list[WorkerJob] = [
        DeadlineWatch(sessions, SlaPolicy.from_settings(settings)),
        Housekeeping.from_settings(sessions, settings),
    ]
    from app.webhooks.delivery_job import DeliveryJob

    jobs.append(DeliveryJob(settings, sessions))
    if sync_enabled(settings):
        from app.sync.client import LaporClient
        from app.sync.jobs import PullSchedule
        from app.sync.pull import Puller
        from app.sync.push import Pusher

        client = LaporClient.from_settings(settings)
        jobs.append(PullSchedule(sessions, Puller(sessions, client, settings), settings))
        jobs.append(Pusher(sessions, client, settings))
    return jobs
