"""Operations: liveness, readiness (database and schema) and Prometheus metrics."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.migrate import current_revision, head_revision
from app.core.observability import process_metrics
from app.models import PushJob, Report, SyncRun, WebhookDelivery, WorkerHeartbeat
from app.models.enums import JobStatus, SyncRunStatus
from app.models.types import utcnow
from app.runtime.context import runtime_of

router = APIRouter(tags=["operations"])
_HEAD = head_revision()


@router.get("/healthz", summary="The process answers")
async def healthz() -> dict[str, str]:
    """Liveness: the process is up (it says nothing about the database)."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Ready to serve",
    responses={503: {"description": "The database is unreachable or its schema is not at head"}},
)
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers and its schema is at the newest migration."""
    try:
        async with runtime_of(request.app).engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            revision = await connection.run_sync(current_revision)
    except Exception as exc:  # any failure to reach the database means not ready
        return JSONResponse(
            {"status": "unavailable", "reason": f"database unreachable ({type(exc).__name__})"},
            status_code=503,
        )
    if revision != _HEAD:
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": f"schema at {revision}, code expects {_HEAD}: run migrations",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready", "schema": revision})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """This process's request metrics, and the service's state read from the database."""
    async with runtime_of(request.app).sessions() as session:
        state = await _state_metrics(session)
    return Response(process_metrics() + state, media_type="text/plain; version=0.0.4; charset=utf-8")


async def _state_metrics(session: AsyncSession) -> bytes:
    registry = CollectorRegistry(auto_describe=True)
    reports = Gauge("lapor_reports", "Reports by status", ["status"], registry=registry)
    for status, count in (
        await session.execute(select(col(Report.status), func.count()).group_by(col(Report.status)))
    ).all():
        reports.labels(status).set(count)
    jobs = Gauge("lapor_push_jobs", "National push jobs by status", ["status"], registry=registry)
    for status in (JobStatus.pending, JobStatus.running, JobStatus.dead):
        jobs.labels(status).set(0)
    for status, count in (
        await session.execute(
            select(col(PushJob.status), func.count())
            .where(col(PushJob.status) != JobStatus.done)
            .group_by(col(PushJob.status))
        )
    ).all():
        jobs.labels(status).set(count)
    deliveries = Gauge(
        "lapor_webhook_deliveries", "Webhook deliveries by outcome", ["status"], registry=registry
    )
    for status, count in (
        await session.execute(
            select(col(WebhookDelivery.status), func.count()).group_by(col(WebhookDelivery.status))
        )
    ).all():
        deliveries.labels(status).set(count)
    succeeded = select(func.max(SyncRun.finished_at)).where(col(SyncRun.status) == SyncRunStatus.succeeded)
    last_success = (await session.execute(succeeded)).scalar_one_or_none()
    if isinstance(last_success, str):  # SQLite aggregates come back as text
        last_success = datetime.fromisoformat(last_success).replace(tzinfo=utcnow().tzinfo)
    success = Gauge("lapor_sync_last_success_timestamp_seconds", "Last successful pull", registry=registry)
    lag = Gauge("lapor_sync_lag_seconds", "Seconds since the last successful pull", registry=registry)
    if last_success is not None:
        success.set(last_success.timestamp())
        lag.set((utcnow() - last_success).total_seconds())
    _worker_metrics(registry, list((await session.execute(select(WorkerHeartbeat))).scalars()))
    return generate_latest(registry)


def _worker_metrics(registry: CollectorRegistry, beats: list[WorkerHeartbeat]) -> None:
    seen = Gauge(
        "lapor_worker_heartbeat_timestamp_seconds",
        "Last heartbeat of a worker job loop",
        ["worker", "job"],
        registry=registry,
    )
    ok = Gauge(
        "lapor_worker_last_success_timestamp_seconds",
        "Last successful run of a worker job loop",
        ["worker", "job"],
        registry=registry,
    )
    failures = Gauge(
        "lapor_worker_failures",
        "Failed runs of a worker job loop since it started",
        ["worker", "job"],
        registry=registry,
    )
    for beat in beats:
        seen.labels(beat.worker_id, beat.job).set(beat.updated_at.timestamp())
        if beat.last_success_at:
            ok.labels(beat.worker_id, beat.job).set(beat.last_success_at.timestamp())
        failures.labels(beat.worker_id, beat.job).set(beat.failures)
