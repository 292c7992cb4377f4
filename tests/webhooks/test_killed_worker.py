"""The real worker process killed with SIGKILL while a webhook is in flight (sent, not yet marked):
the delivery comes back after the lease and the next worker sends it again with the same
webhook-id, so the receiver can drop the copy; nothing is lost, nothing stays claimed."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from tests.helpers import Keys, file_report
from tests.sync_flow.test_worker_process import ROOT, _start_worker, _wait_for_log
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import stored_deliveries

LEASE = 6


def _worker_env(database_url: str, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAPOR_", "SYNC_", "WEBHOOK_"))}
    env.update(
        DATABASE_URL=database_url,
        ATTACHMENT_DIR=str(folder / "attachments"),
        WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        WEBHOOK_ALLOW_HTTP="true",
        WEBHOOK_TIMEOUT_SECONDS="5",
        WEBHOOK_LEASE_SECONDS=str(LEASE),
        WEBHOOK_POLL_SECONDS="0.05",
        PYTHONPATH=str(ROOT),
    )
    return env


async def _until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)  # polling interval, bounded by the deadline


async def test_sigkill_with_a_webhook_in_flight_loses_nothing(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    database_url: str,
    tmp_path: Path,
) -> None:
    receiver.delays.append(15.0)  # the first request is taken and held: the worker waits for it
    await file_report(client, keys.intake)
    env, log = _worker_env(database_url, tmp_path), tmp_path / "worker.log"

    async def arrived() -> bool:
        return len(receiver.requests) >= 1

    worker = _start_worker(env, log)
    try:
        await _until(arrived, 60, "the worker sent nothing")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    (delivery,) = await stored_deliveries(app)
    assert (delivery.status, delivery.attempts) == ("pending", 0), "killed before it was marked sent"

    async def succeeded() -> bool:
        return [d.status for d in await stored_deliveries(app)] == ["succeeded"]

    worker = _start_worker(env, log)
    try:
        await _wait_for_log(log, "worker started", 2)
        await _until(succeeded, 60, "the delivery never came back")
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    assert code == 0, log.read_text()[-2000:]
    (delivery,) = await stored_deliveries(app)
    assert [r.msg_id for r in receiver.requests] == [delivery.msg_id] * 2, "same webhook-id, sent again"
    assert all(r.verified_by for r in receiver.requests)
    path = f"/api/v1/webhooks/subscriptions/{subscription['id']}/deliveries/{delivery.id}"
    logged = (await client.get(path, headers=keys.admin)).json()
    assert [a["status_code"] for a in logged["attempt_log"]] == [200], "the killed attempt left no trace"
