"""Sync endpoints: ask for a run, see the state of the sync, see, retry and resolve dead push jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

import orjson
from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator
from sqlalchemy import func, select, update
from sqlmodel import col

from app.access.principals import Principal
from app.api.deps import IdPath, SessionDep, require_roles
from app.core.errors import Conflict, NotFound
from app.models import PushJob, Report, SyncCursor, SyncRun
from app.models.enums import JobStatus, Role, SyncRunKind, SyncRunStatus
from app.models.types import utcnow
from app.sync.cursor import PULL_CURSOR
from app.sync.resolution import Resolution, encode, resolutions_of, why_not_resolvable

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


class ResolveRequest(BaseModel):
    """What an official found upstream about an uncertain filing: exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    national_id: StrictInt | None = Field(
        None, ge=1, le=2**31 - 1, description="the national complaint found carrying the tracking number"
    )
    not_filed: Literal[True] | None = Field(None, description="`true`: the filing is not upstream")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.national_id is None) == (self.not_filed is None):
            raise ValueError("give exactly one of `national_id` and `not_filed: true`")
        return self


class ResolutionOut(BaseModel):
    """An official's decision about an uncertain filing and how it ended."""

    decision: str = Field(description="`national_id` (found upstream) or `not_filed`")
    national_id: int | None
    by: str
    at: datetime
    state: str = Field(description="`requested` (the worker has yet to act), `applied` or `refused`")
    error: str | None = Field(description="why a `refused` decision did not hold upstream")


class JobOut(BaseModel):
    """A push job."""

    id: int
    report_id: IdPath
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    resolutions: list[ResolutionOut] = Field(description="officials' decisions about an uncertain filing")
    created_at: datetime
    updated_at: datetime

    @field_validator("resolutions", mode="before")
    @classmethod
    def _decode(cls, value: object) -> object:
        """The column holds a JSON list (or nothing)."""
        return orjson.loads(value) if isinstance(value, str) else value or []


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


@router.post("/jobs/{job_id}/resolve", response_model=JobOut, summary="Resolve an uncertain filing")
async def resolve_job(
    job_id: IdPath, body: ResolveRequest, session: SessionDep, principal: SyncKey
) -> JobOut:
    """Say what was found upstream about a dead filing that could not be looked up: the national
    complaint carrying its tracking number (`national_id`; the worker reads it back and links it
    only if its tags carry the tracking number) or that it is not there (`not_filed`; the worker
    files it once, without looking first). The job is queued again with the decision recorded."""
    job = await session.get(PushJob, job_id)
    if job is None:
        raise NotFound(f"no push job {job_id}")
    refusal = why_not_resolvable(job, await session.get(Report, job.report_id))
    if refusal is not None:
        raise Conflict(refusal, extra={"current_status": job.status})
    if body.national_id is not None:
        await refuse_if_linked(session, body.national_id)
    decision = Resolution(
        decision="national_id" if body.national_id is not None else "not_filed",
        by=principal.actor,
        at=utcnow().isoformat(),
        national_id=body.national_id,
    )
    now = utcnow()
    queued = await session.execute(
        update(PushJob)
        .where(col(PushJob.id) == job_id, col(PushJob.status) == JobStatus.dead)
        .values(status=JobStatus.pending, attempts=0, next_attempt_at=now, updated_at=now)
        .values(resolutions=encode([*resolutions_of(job), decision]))
        .execution_options(synchronize_session=False)
    )
    if not queued.rowcount:  # type: ignore[attr-defined]
        raise Conflict(f"push job {job_id} changed meanwhile; look again")
    await session.commit()
    await session.refresh(job)
    return _job(job)


async def refuse_if_linked(session: SessionDep, national_id: int) -> None:
    """409 when a national complaint is already linked to a report (it cannot be linked again)."""
    holder = (
        await session.execute(select(col(Report.id)).where(col(Report.national_id) == national_id))
    ).scalar_one_or_none()
    if holder is not None:
        raise Conflict(
            f"national complaint {national_id} is already linked to report {holder}",
            extra={"report_id": holder},
        )
