"""The overview's fuller figures: the action plan's headline shares and the health of the sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import Unprocessable
from app.models import PushJob, SyncRun
from app.models.enums import JobStatus, ReportStatus, SyncRunKind, SyncRunStatus
from app.models.types import utcnow
from app.reports.stats import DateRange, Summary

DONE = (ReportStatus.completed.value, ReportStatus.archived.value)


@dataclass(frozen=True)
class PlanFigures:
    """The action plan's headline figures for one period (shares from 0 to 1, None when no base)."""

    disposed_on_time: float | None
    followed_up_on_time: float | None
    completed: float | None


@dataclass(frozen=True)
class SyncHealth:
    """The last successful pull, pending and dead push jobs, and the lag since that pull."""

    last_success_at: datetime | None
    pending_jobs: int
    dead_jobs: int
    lag: timedelta | None


def previous_period(period: DateRange) -> DateRange | None:
    """The range of the same length that ends the day before this one starts; None where that
    range could not be a `DateRange` (it would start before the first day a range may hold,
    1900-01-01, or before year 1)."""
    try:
        last = period.first - timedelta(days=1)
        return DateRange(last - (period.last - period.first), last, period.tz)
    except (OverflowError, Unprocessable):
        return None


def plan_figures(figures: Summary) -> PlanFigures:
    """% dispositioned on time, % followed up on time (over all agencies) and % completed."""
    disposed = sum(a.disposed for a in figures.agencies)
    followed = sum(a.followed_up for a in figures.agencies)
    by_status = figures.counts.get("status", {})
    done = sum(by_status.get(s, 0) for s in DONE)
    return PlanFigures(
        disposed_on_time=sum(a.disposed_on_time for a in figures.agencies) / disposed if disposed else None,
        followed_up_on_time=sum(a.followed_up_on_time for a in figures.agencies) / followed
        if followed
        else None,
        completed=done / figures.total if figures.total else None,
    )


async def sync_health(session: AsyncSession) -> SyncHealth:
    """The figures `GET /api/v1/sync/status` answers, for the overview."""
    last = (
        await session.execute(
            select(func.max(SyncRun.finished_at)).where(
                col(SyncRun.status) == SyncRunStatus.succeeded,
                col(SyncRun.kind).in_([SyncRunKind.pull, SyncRunKind.sweep]),
            )
        )
    ).scalar_one_or_none()
    if isinstance(last, str):  # SQLite aggregates come back as text (naive UTC)
        last = datetime.fromisoformat(last).replace(tzinfo=UTC)
    counts = dict(
        (
            await session.execute(
                select(col(PushJob.status), func.count())
                .where(col(PushJob.status).in_([JobStatus.pending, JobStatus.running, JobStatus.dead]))
                .group_by(col(PushJob.status))
            )
        ).all()
    )
    return SyncHealth(
        last_success_at=last,
        pending_jobs=int(counts.get(JobStatus.pending, 0)) + int(counts.get(JobStatus.running, 0)),
        dead_jobs=int(counts.get(JobStatus.dead, 0)),
        lag=utcnow() - last if last else None,
    )
