"""Sync endpoints: ask for a run, see the state of the sync, see and retry dead push jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, update
from sqlmodel import col

from app.access.principals import Principal
from app.api.deps import IdPath, SessionDep, require_roles
from app.core.errors import Conflict, NotFound
from app.models import PushJob, SyncCursor, SyncRun
from app.models.enums import JobStatus, Role, SyncRunKind, SyncRunStatus
from app.models.types import utcnow
from app.sync.cursor import PULL_CURSOR

router = APIRouter(prefix="/api/v1/sync", tags=["sync"])
SyncKey = Annotated[Principal, Depends(require_roles(Role.admin, Role.coordinator))]


class RunRequest(BaseModel):
    """Which run to start."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field("pull", pattern="^(pull|sweep)$", description="`pull` (since the cursor) or `sweep`")


class RunOut(BaseModel):
    """A sync run and its counts."""

    id: int
    kind: str
    status: str
    requested_by: str | None
    fetched: int
    created: int
    updated: int
    follow_ups: int
    conflicts: int
    errors: int
    error: str | None
    cursor_before: datetime | None
    cursor_after: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobOut(BaseModel):
    """A push job."""

    id: int
    report_id: IdPath
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    updated_at: datetime


class StatusOut(BaseModel):
    """Where the sync stands."""

    cursor: datetime | None = Field(description="High-water mark of national `updated_at` pulled so far")
    last_success_at: datetime | None
    lag_seconds: float | None = Field(description="Seconds since the last successful pull finished")
    pending_jobs: int
    dead_jobs: int
    runs: list[RunOut]


def _run(run: SyncRun) -> RunOut:
    return RunOut.model_validate(run, from_attributes=True)


def _job(job: PushJob) -> JobOut:
    return JobOut.model_validate(job, from_attributes=True)


@router.post("/run", response_model=RunOut, status_code=status.HTTP_202_ACCEPTED, summary="Start a sync run")
async def request_run(session: SessionDep, principal: SyncKey, body: RunRequest | None = None) -> RunOut:
    """Ask the worker for a run now; it starts within a second or two (see `GET /sync/status`)."""
    kind = (body or RunRequest()).kind
    waiting = (
        await session.execute(
            select(SyncRun)
            .where(col(SyncRun.status) == SyncRunStatus.requested, col(SyncRun.kind) == kind)
            .limit(1)
        )
    ).scalar_one_or_none()
    if waiting is not None:
        return _run(waiting)  # one waiting request is enough
    run = SyncRun(kind=kind, status=SyncRunStatus.requested, requested_by=principal.actor)
    session.add(run)
    await session.commit()
    return _run(run)


@router.get("/status", response_model=StatusOut, summary="The state of the sync")
async def sync_status(
    session: SessionDep, _: SyncKey, runs: Annotated[int, Query(ge=1, le=100)] = 20
) -> StatusOut:
    """The cursor, the lag, pending and dead push jobs, and the last runs."""
    cursor = await session.get(SyncCursor, PULL_CURSOR)
    last_success = (
        await session.execute(
            select(func.max(SyncRun.finished_at)).where(
                col(SyncRun.status) == SyncRunStatus.succeeded,
                col(SyncRun.kind).in_([SyncRunKind.pull, SyncRunKind.sweep]),
            )
        )
    ).scalar_one_or_none()
    counts = dict(
        (
            await session.execute(
                select(col(PushJob.status), func.count())
                .where(col(PushJob.status).in_([JobStatus.pending, JobStatus.running, JobStatus.dead]))
                .group_by(col(PushJob.status))
            )
        ).all()
    )
    recent = (await session.execute(select(SyncRun).order_by(col(SyncRun.id).desc()).limit(runs))).scalars()
    if isinstance(last_success, str):  # SQLite aggregates come back as text
        last_success = datetime.fromisoformat(last_success).replace(tzinfo=utcnow().tzinfo)
    return StatusOut(
        cursor=cursor.value if cursor else None,
        last_success_at=last_success,
        lag_seconds=(utcnow() - last_success).total_seconds() if last_success else None,
        pending_jobs=int(counts.get(JobStatus.pending, 0)) + int(counts.get(JobStatus.running, 0)),
        dead_jobs=int(counts.get(JobStatus.dead, 0)),
        runs=[_run(r) for r in recent],
    )


@router.get("/jobs", response_model=list[JobOut], summary="Push jobs")
async def list_jobs(
    session: SessionDep,
    _: SyncKey,
    status_: Annotated[JobStatus, Query(alias="status")] = JobStatus.dead,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[JobOut]:
    """Push jobs in one state (dead ones by default), oldest first."""
    rows = (
        await session.execute(
            select(PushJob).where(col(PushJob.status) == status_).order_by(col(PushJob.id)).limit(limit)
        )
    ).scalars()
    return [_job(j) for j in rows]


@router.post("/jobs/{job_id}/retry", response_model=JobOut, summary="Retry a dead push job")
async def retry_job(job_id: IdPath, session: SessionDep, _: SyncKey) -> JobOut:
    """Put a dead job back in the queue with a fresh count of attempts."""
    job = await session.get(PushJob, job_id)
    if job is None:
        raise NotFound(f"no push job {job_id}")
    if job.status != JobStatus.dead:
        raise Conflict(f"push job {job_id} is {job.status}, not dead", extra={"current_status": job.status})
    now = utcnow()
    await session.execute(
        update(PushJob)
        .where(col(PushJob.id) == job_id, col(PushJob.status) == JobStatus.dead)
        .values(status=JobStatus.pending, attempts=0, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    await session.refresh(job)
    return _job(job)
