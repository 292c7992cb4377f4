"""The real worker killed with SIGKILL between "sent" and "marked sent": national LAPOR stored the
filing, its answer was still on the way, the store knows nothing of it. The next worker takes the
job over after the lease and links the one national complaint; nothing is filed twice."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from app.core.config import Settings
from app.main import create_app
from app.models import PushJob, Report, SyncRun
from app.models.enums import SyncRunKind, SyncRunStatus
from app.models.types import utcnow
from lapor_mock.remote import RemoteMock
from tests.helpers import make_keys, report_body
from tests.sync.support import running_mock_server, service_env
from tests.sync_flow.test_worker_process import _start_worker, _wait_for_log


@pytest.fixture
def mock_server() -> Iterator[RemoteMock]:
    with running_mock_server() as remote:
        yield remote


def _ours(remote: RemoteMock, tracking_number: str) -> list[dict[str, Any]]:
    return [c for c in remote.complaints() if tracking_number in str(c.get("tags_raw") or "").split(",")]


async def _until(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := await check()):
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)  # polling interval, bounded by the deadline
    return found


async def _state(app: Any) -> tuple[Report, PushJob]:
    async with app.state.runtime.sessions() as session:
        report = (await session.execute(select(Report))).scalar_one()
        job = (await session.execute(select(PushJob).where(col(PushJob.kind) == "file"))).scalar_one()
    return report, job


async def test_sigkill_between_sent_and_marked_sent_files_once(
    mock_server: RemoteMock, database_url: str, tmp_path: Path
) -> None:
    env = service_env(database_url, mock_server, tmp_path, SYNC_LEASE_SECONDS="2")
    env["SYNC_PULL_INTERVAL_SECONDS"] = env["SYNC_SWEEP_INTERVAL_SECONDS"] = "3600"
    settings = Settings(database_url=database_url, attachment_dir=tmp_path / "attachments")
    app = create_app(settings.model_copy(update={"lapor_base_url": env["LAPOR_BASE_URL"]}))
    async with app.router.lifespan_context(app):
        keys = await make_keys(app)
        await _pulled_just_now(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            filed = await client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
        number = filed.json()["tracking_number"]
        # National LAPOR stores the filing at once and answers only after 60 s.
        mock_server.add_fault("latency", latency=60, path="/complaints/complaint", method="POST")
        log = tmp_path / "worker.log"
        worker = _start_worker(env, log)
        try:
            await _until(lambda: _arrived(mock_server, number), 60, "the filing never arrived")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        report, job = await _state(app)
        assert report.national_id is None and job.status == "running", "killed before it was marked sent"
        worker = _start_worker(env, log)
        try:
            await _wait_for_log(log, "worker started", 2)
            report, job = await _until(lambda: _linked(app), 60, "the next worker did not link it")
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=30)
        assert code == 0, log.read_text()[-2000:]
    (upstream,) = _ours(mock_server, number)
    assert report.national_id == upstream["id"] and job.status == "done"
    assert len(mock_server.received("/complaints/complaint", "POST")) == 1, "filed a second time"


async def _pulled_just_now(app: Any) -> None:
    """No pull is due for an hour: the filing can only be linked by the push job itself (a pull
    would find it by its tag, which is no test of the push)."""
    now = utcnow()
    async with app.state.runtime.sessions() as session:
        for kind in (SyncRunKind.pull, SyncRunKind.sweep):
            session.add(SyncRun(kind=kind, status=SyncRunStatus.succeeded, started_at=now, finished_at=now))
        await session.commit()


async def _arrived(remote: RemoteMock, tracking_number: str) -> list[dict[str, Any]]:
    return _ours(remote, tracking_number)


async def _linked(app: Any) -> tuple[Report, PushJob] | None:
    report, job = await _state(app)
    return (report, job) if report.national_id is not None and job.status == "done" else None
