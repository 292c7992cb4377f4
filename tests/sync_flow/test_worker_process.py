"""The real worker process against the real mock server: killed with SIGKILL mid-sync and started
again, nothing is lost or duplicated; SIGTERM stops it cleanly; SQLite refuses a second worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.core.config import Settings
from app.main import create_app
from app.models import FollowUp, PushJob, Report
from app.sync.client import LaporClient
from lapor_mock.remote import RemoteMock
from tests.helpers import make_keys, report_body
from tests.sync.support import running_mock_server, service_env

ROOT = Path(__file__).resolve().parents[2]
REGENCY = 6201
BULK = 120


@pytest.fixture
def mock_server() -> Iterator[RemoteMock]:
    with running_mock_server() as remote:
        yield remote


def _env(database_url: str, remote: RemoteMock, tmp_path: Path) -> dict[str, str]:
    return service_env(database_url, remote, tmp_path, SYNC_LEASE_SECONDS="2")


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as handle:  # the child has its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], env=env, stdout=handle, stderr=handle, cwd=ROOT
        )


async def _counts(app: Any) -> dict[str, int]:
    async with app.state.runtime.sessions() as session:

        async def count(model: Any, *where: Any) -> int:
            return int(
                (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
            )

        return {
            "national": await count(Report, col(Report.origin) == "national"),
            "linked_local": await count(
                Report, col(Report.origin) == "local", col(Report.national_id).is_not(None)
            ),
            "follow_ups": await count(FollowUp, col(FollowUp.source) == "national"),
            "open_jobs": await count(PushJob, col(PushJob.status) != "done"),
        }


async def _wait_for(app: Any, predicate: Any, seconds: float, what: str) -> dict[str, int]:
    deadline = time.monotonic() + seconds
    while True:
        counts = await _counts(app)
        if predicate(counts):
            return counts
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {counts} after {seconds}s")
        await asyncio.sleep(0.2)  # polling interval, bounded by the deadline


async def _wait_for_log(log: Path, line: str, times: int, seconds: float = 30) -> None:
    """Wait until the shared log holds `line` `times` times (a worker is up, its signals handled)."""
    deadline = time.monotonic() + seconds
    while log.read_text().count(line) < times:
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        await asyncio.sleep(0.1)  # polling interval, bounded by the deadline


async def _upstream(remote: RemoteMock, settings: Settings) -> tuple[list[dict[str, Any]], int]:
    """Our complaints upstream, and how many follow-ups they carry (read through the national API)."""
    ours = [c for c in remote.complaints() if c.get("disposition_id") == REGENCY]
    follow_ups = 0
    async with LaporClient.from_settings(settings) as lapor:
        for complaint in ours:
            follow_ups += len([f async for f in lapor.iter_followups(int(str(complaint["id"])))])
    return ours, follow_ups


async def test_sigkill_mid_sync_loses_and_duplicates_nothing(
    mock_server: RemoteMock, database_url: str, tmp_path: Path
) -> None:
    env = _env(database_url, mock_server, tmp_path)
    mock_server.seed("bulk", count=BULK)
    settings = Settings(
        database_url=database_url,
        attachment_dir=tmp_path / "attachments",
        lapor_base_url=env["LAPOR_BASE_URL"],
        lapor_auth_secret=env["LAPOR_AUTH_SECRET"],
        lapor_token=env["LAPOR_TOKEN"],
        lapor_institution_id=REGENCY,
        lapor_rate_limit_per_minute=600_000,
        lapor_rate_limit_burst=1000,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        keys = await make_keys(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for n in range(8):
                body = report_body(title=f"Laporan lokal nomor {n}")
                assert (
                    await client.post("/api/v1/reports", json=body, headers=keys.intake)
                ).status_code == 201
        ours, _ = await _upstream(mock_server, settings)
        log = tmp_path / "worker.log"
        # The first worker reads slowly (20 calls a second), so that it is killed mid-pull.
        worker = _start_worker(
            {**env, "LAPOR_RATE_LIMIT_PER_MINUTE": "1200", "LAPOR_RATE_LIMIT_BURST": "2"}, log
        )
        try:
            await _wait_for(app, lambda c: c["national"] >= 15, 60, "the first worker pulled nothing")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        partial = await _counts(app)
        assert partial["national"] < len(ours) - 8, "killed in the middle, not after the end"
        worker = _start_worker(env, log)
        try:
            await _wait_for_log(log, "worker started", 2)
            await _wait_for(
                app,
                lambda c: c["national"] >= len(ours) - 8 and c["open_jobs"] == 0 and c["linked_local"] == 8,
                120,
                "the restarted worker did not finish",
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=30)
        assert code == 0, log.read_text()[-2000:]
        ours, upstream_follow_ups = await _upstream(mock_server, settings)
        local_filed = [
            c for c in ours if any(t.startswith("KOBAR-") for t in str(c.get("tags_raw") or "").split(","))
        ]
        assert len(local_filed) == 8, "each local report filed upstream exactly once"
        final = await _counts(app)
        assert final["national"] + final["linked_local"] == len(ours), "no report lost or duplicated"
        assert final["follow_ups"] == upstream_follow_ups, "every follow-up stored once"


async def test_sqlite_refuses_a_second_worker(test_db: Any, database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the single-worker rule is SQLite's")
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith("LAPOR_")}
    first = _start_worker(env, tmp_path / "first.log")
    try:
        deadline = time.monotonic() + 30
        while "worker started" not in (tmp_path / "first.log").read_text():
            assert time.monotonic() < deadline and first.poll() is None, (tmp_path / "first.log").read_text()
            time.sleep(0.1)
        second = subprocess.run(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert second.returncode != 0
        assert "SQLite supports one worker" in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0


def test_sync_once_and_backfill_from_the_command_line(
    mock_server: RemoteMock, database_url: str, tmp_path: Path
) -> None:
    env = _env(database_url, mock_server, tmp_path)
    mock_server.seed("bulk", count=12)
    once = subprocess.run(
        [sys.executable, "-m", "app.cli", "sync", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert once.returncode == 0, once.stderr[-2000:]
    assert "pull succeeded" in once.stdout and "fetched" in once.stdout
    backfill = subprocess.run(
        [sys.executable, "-m", "app.cli", "sync", "--backfill", "--since", "2020-01-01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert backfill.returncode == 0, backfill.stderr[-2000:]
    assert "backfill succeeded" in backfill.stdout and "created 0" in backfill.stdout, "nothing created twice"
    assert "backfill" in backfill.stderr, "the progress bar"
    wrong = subprocess.run(
        [sys.executable, "-m", "app.cli", "sync", "--backfill"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert wrong.returncode == 2 and "--since" in wrong.stderr
