"""Several workers: no attempt is sent twice, and a dead worker's claims come back after the lease."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.core.db import create_engine, session_factory
from app.webhooks.delivery_job import DeliveryJob
from tests.conftest import MigratedDatabase
from tests.helpers import Keys, bring_to
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import FakeClock, deliver_due, stored_deliveries


async def test_two_workers_on_postgresql_never_send_an_attempt_twice(
    test_db: MigratedDatabase,
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
    clock: FakeClock,
) -> None:
    if test_db.backend != "postgresql":
        pytest.skip("several workers need PostgreSQL (SQLite runs one worker)")
    for _ in range(12):
        await bring_to(client, keys, "disposed")  # 4 events each, in order per report
    expected = len(await stored_deliveries(app))
    small = settings.model_copy(update={"webhook_concurrency": 4})
    engines = [create_engine(settings), create_engine(settings)]
    jobs = [DeliveryJob(small, session_factory(engine), clock=clock) for engine in engines]

    async def work(job: DeliveryJob) -> None:
        deadline = time.monotonic() + 20
        while len(receiver.requests) < expected and time.monotonic() < deadline:
            if await job.run_once() == 0:
                await asyncio.sleep(0.01)
        await job.drain()

    try:
        await asyncio.gather(*(work(job) for job in jobs))
    finally:
        for job in jobs:
            await job.aclose()
        for engine in engines:
            await engine.dispose()
    assert all(job.attempts_finished > 0 for job in jobs), [job.attempts_finished for job in jobs]
    sent = Counter(r.msg_id for r in receiver.requests)
    assert len(sent) == expected and set(sent.values()) == {1}
    assert all(d.status == "succeeded" and d.attempts == 1 for d in await stored_deliveries(app))
    for report_id in {r.message["data"]["report_id"] for r in receiver.requests}:
        order = [
            r.message["data"]["status_after"]
            for r in receiver.requests
            if r.message["data"]["report_id"] == report_id and r.message["type"] != "report.disposed"
        ]
        assert order == ["unverified", "verified", "disposed"]


async def test_a_dead_workers_claims_come_back_after_the_lease(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
    clock: FakeClock,
    job: DeliveryJob,
) -> None:
    await bring_to(client, keys, "verified")
    await bring_to(client, keys, "verified")
    dead = DeliveryJob(settings, app.state.runtime.sessions, clock=clock)
    claimed = await dead.claim(10)  # claimed, then the worker "dies" without sending
    await dead.aclose()
    assert len(claimed) == 2  # the first event of each report; their second ones wait in order
    assert await deliver_due(job) == 0 and receiver.requests == []
    clock.advance(settings.webhook_lease_seconds + 1)
    await deliver_due(job)
    assert len(receiver.requests) == 4
    assert {r.msg_id for r in receiver.requests} >= {c.msg_id for c in claimed}
