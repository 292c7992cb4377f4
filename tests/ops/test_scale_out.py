"""Scale-out on PostgreSQL: two API processes and two workers share one database. A hundred
reports go through their life across both APIs; every webhook and every push happens once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.core.config import Settings
from app.main import create_app
from app.models import DomainEvent, PushJob
from lapor_mock.remote import RemoteMock
from tests.helpers import Keys, make_keys, report_body
from tests.sync.support import free_port, running_mock_server, service_env
from tests.webhooks.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
REGENCY = 6201
REPORTS = 100
FOLLOW_UP = "Sudah ditangani oleh petugas lapangan pada hari ini juga."


@pytest.fixture
def mock_server(test_db: Any) -> Iterator[RemoteMock]:
    if test_db.backend != "postgresql":
        pytest.skip("several API processes and workers need PostgreSQL")
    with running_mock_server() as remote:
        yield remote


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    hook.start()
    yield hook
    hook.stop()


def _env(database_url: str, remote: RemoteMock, tmp_path: Path) -> dict[str, str]:
    return service_env(
        database_url,
        remote,
        tmp_path,
        WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        WEBHOOK_ALLOW_HTTP="true",
        RATE_LIMIT_PER_MINUTE="0",
        LOG_LEVEL="WARNING",
    )


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as handle:  # the child has its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args], env=env, stdout=handle, stderr=handle, cwd=ROOT
        )


async def _until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds}s")
        await asyncio.sleep(0.25)


async def _life(api: httpx.AsyncClient, keys: Keys, n: int) -> None:
    body = report_body(title=f"Laporan warga nomor {n}")
    filed = await api.post("/api/v1/reports", json=body, headers={**keys.intake, "Idempotency-Key": f"r{n}"})
    assert filed.status_code == 201, filed.text
    report_id = filed.json()["id"]
    for action, payload, headers in (
        ("verify", {}, keys.coordinator),
        ("dispose", {"agency_code": "DPUPR"}, keys.coordinator),
        ("take-up", {}, keys.agency),
        ("follow-ups", {"content": FOLLOW_UP}, keys.agency),
    ):
        answer = await api.post(f"/api/v1/reports/{report_id}/{action}", json=payload, headers=headers)
        assert answer.status_code in (200, 201), answer.text


async def test_two_apis_two_workers_each_webhook_and_push_once(
    mock_server: RemoteMock, receiver: Receiver, database_url: str, tmp_path: Path
) -> None:
    env = _env(database_url, mock_server, tmp_path)
    settings = Settings(database_url=database_url, attachment_dir=tmp_path / "files", rate_limit_per_minute=0)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        keys = await make_keys(app)
    ports = [free_port(), free_port()]
    processes = [
        _start(["serve", "--no-migrate", "--port", str(p)], env, tmp_path / f"api{p}.log") for p in ports
    ]
    processes += [_start(["worker"], env, tmp_path / f"worker{n}.log") for n in range(2)]
    apis = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", timeout=30) for p in ports]
    try:
        for api in apis:

            async def ready(api: httpx.AsyncClient = api) -> bool:
                try:
                    return (await api.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await _until(ready, 30, "the API process was not ready")
        created = await apis[0].post(
            "/api/v1/webhooks/subscriptions", json={"url": receiver.url}, headers=keys.admin
        )
        assert created.status_code == 201, created.text
        receiver.secrets.append(created.json()["secret"])

        limit = asyncio.Semaphore(12)

        async def one(n: int) -> None:
            async with limit:
                await _life(apis[n % 2], keys, n)

        await asyncio.gather(*(one(n) for n in range(REPORTS)))

        # Upstream verifies and dispositions every filed complaint, so the follow-ups can be posted.
        async def all_filed() -> bool:
            return len(mock_server.complaints()) >= REPORTS

        await _until(all_filed, 90, "not every report was filed upstream")
        for complaint in mock_server.complaints():
            mock_server.verify(int(str(complaint["id"])))
            mock_server.dispose(int(str(complaint["id"])), REGENCY)

        async def pushed() -> bool:
            async with app.state.runtime.sessions() as session:
                open_jobs = (
                    await session.execute(
                        select(func.count()).select_from(PushJob).where(col(PushJob.status) != "done")
                    )
                ).scalar_one()
            return (
                int(open_jobs) == 0
                and len(mock_server.received("/complaints/followup/add", "POST")) >= REPORTS
            )

        await _until(pushed, 120, "not every push job was done")

        async with app.state.runtime.sessions() as session:
            events = (await session.execute(select(func.count()).select_from(DomainEvent))).scalar_one()

        async def delivered() -> bool:
            return len({r.msg_id for r in receiver.ok()}) >= events

        await _until(delivered, 120, "not every webhook was delivered")
    finally:
        for api in apis:
            await api.aclose()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=60) for process in processes]
    # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught (exit -15); workers exit 0.
    assert codes[:2] in ([-15, -15], [0, 0]) and codes[2:] == [0, 0], [
        p.read_text()[-1500:] for p in tmp_path.glob("*.log")
    ]

    filings = mock_server.received("/complaints/complaint", "POST")
    assert len(filings) == REPORTS and len(mock_server.complaints()) == REPORTS, "each report filed once"
    follow_ups = [r for r in mock_server.received("/complaints/followup/add", "POST") if r.status == 200]
    assert len(follow_ups) == REPORTS, "each follow-up posted once"
    ok = Counter(r.msg_id for r in receiver.ok())
    assert len(ok) == events and max(ok.values()) == 1, "every event delivered exactly once"
    assert all(r.verified_by for r in receiver.requests), "every request signed"
