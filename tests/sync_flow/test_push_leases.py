"""A push job belongs to one worker at a time: a worker that is merely slow keeps its lease, and a
claim taken over after its lease ended is never run by its first holder as well."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from app.sync.client import LaporClient
from app.sync.push import Pusher
from tests.helpers import Keys, make_keys, report_body
from tests.sync.support import FakeClock
from tests.sync_flow.conftest import SyncRig

LEASE = 2.5  # renewed every third of it: a loaded machine may run the renewal late


async def _file_reports(rig: SyncRig, count: int) -> Keys:
    keys = await make_keys(rig.app)
    for n in range(count):
        body = report_body(title=f"Laporan warga nomor {n}")
        assert (await rig.client.post("/api/v1/reports", json=body, headers=keys.intake)).status_code == 201
    return keys


async def _until_running(rig: SyncRig) -> None:
    deadline = time.monotonic() + 10
    while [j.status for j in await rig.jobs()] != ["running"]:
        assert time.monotonic() < deadline, "the slow worker never claimed the job"
        await asyncio.sleep(0.01)  # polling interval, bounded by the deadline


def _pusher(rig: SyncRig, client: LaporClient, **settings: Any) -> Pusher:
    changed = rig.pusher.settings.model_copy(update={"sync_lease_seconds": LEASE, **settings})
    return Pusher(rig.app.state.runtime.sessions, client, changed, clock=rig.clock)


async def test_a_slow_worker_keeps_its_lease_and_the_filing_is_sent_once(
    rig: SyncRig, rig_settings: Any
) -> None:
    keys = await _file_reports(rig, 1)
    # The slow worker waits its turn in the call budget (a 429 held it back) far past the lease.
    gate, budget_clock = asyncio.Event(), FakeClock()

    async def held_back(seconds: float) -> None:
        await gate.wait()
        await budget_clock.sleep(seconds)

    slow_client = LaporClient.from_settings(rig_settings, clock=budget_clock, sleep=held_back)
    slow_client.rate_limit.hold(60)
    slow, other = _pusher(rig, slow_client), _pusher(rig, rig.pusher.client)
    try:
        slow_run = asyncio.create_task(slow.run_once())
        await _until_running(rig)
        taken_over = 0
        deadline = time.monotonic() + 2.5 * LEASE  # without renewals the lease would have ended twice
        while time.monotonic() < deadline:
            taken_over += await other.run_once()
            await asyncio.sleep(0.05)  # polling interval, bounded by the deadline
        # Nothing holds the database meanwhile: the API still files reports.
        filed = await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)
        assert filed.status_code == 201
        gate.set()
        assert await asyncio.wait_for(slow_run, 30) == 1
    finally:
        await slow_client.aclose()
    assert taken_over == 0, "another worker ran a job whose worker was only slow"
    assert len(rig.mock.received("/complaints/complaint", "POST")) == 1
    assert len(rig.mock.complaints()) == 1, "one local report, one national complaint"
    assert [(j.status, j.attempts) for j in await rig.jobs()] == [("done", 1), ("pending", 0)]


async def test_a_claim_taken_over_after_its_lease_is_not_run_by_its_first_holder(rig: SyncRig) -> None:
    await _file_reports(rig, 1)
    first, second = _pusher(rig, rig.pusher.client), _pusher(rig, rig.pusher.client)
    stale = await first.claim()  # then the first worker stalls past its lease
    rig.clock.advance(seconds=LEASE + 1)
    fresh = await second.claim()
    assert len(stale) == len(fresh) == 1
    await first.run_job(stale[0])
    assert rig.mock.received("/complaints/complaint") == [], "run by a worker that no longer held it"
    await second.run_job(fresh[0])
    assert len(rig.mock.received("/complaints/complaint", "POST")) == 1
    assert len(rig.mock.complaints()) == 1
    assert [j.status for j in await rig.jobs()] == ["done"]


async def test_a_stale_holder_does_not_put_back_a_job_another_worker_holds(rig: SyncRig) -> None:
    await _file_reports(rig, 1)
    first, second = _pusher(rig, rig.pusher.client), _pusher(rig, rig.pusher.client)
    stale = await first.claim()
    rig.clock.advance(seconds=LEASE + 1)
    fresh = await second.claim()
    await first.release(stale)  # the stale holder is told to stop: it gives back only what it holds
    (job,) = await rig.jobs()
    assert (job.status, job.attempts) == ("running", 2), "the job is still the second worker's"
    await second.run_job(fresh[0])
    assert [(j.status, j.attempts) for j in await rig.jobs()] == [("done", 2)]
    assert len(rig.mock.complaints()) == 1
