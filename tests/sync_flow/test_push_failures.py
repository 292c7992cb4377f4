"""Every failure of a push job follows the retry, back-off and dead rules; a dead job says what
upstream answered (issue 16)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

import app.sync.push as push_module
from tests.helpers import Keys, make_keys, report_body
from tests.sync_flow.conftest import SyncRig


async def _followed_up_report(rig: SyncRig) -> Keys:
    keys = await make_keys(rig.app)
    report = (await rig.client.post("/api/v1/reports", json=report_body(), headers=keys.intake)).json()
    for action, body in (("verify", {}), ("dispose", {"agency_code": "DPUPR"})):
        await rig.client.post(f"/api/v1/reports/{report['id']}/{action}", json=body, headers=keys.admin)
    return keys


async def test_a_push_job_failing_unexpectedly_backs_off_then_dies(
    rig: SyncRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _followed_up_report(rig)
    calls = 0

    async def clashing(*_: Any) -> None:
        nonlocal calls
        calls += 1
        raise IntegrityError("INSERT …", None, Exception("duplicate key (nik)=(6201014407850003)"))

    monkeypatch.setattr(push_module, "execute", clashing)
    await rig.pusher.run_once()
    job = (await rig.jobs())[0]
    assert job.status == "pending" and job.attempts == 1, "retried with back-off, not left running"
    assert job.last_error == "IntegrityError" and "6201014407850003" not in (job.last_error or "")
    for _ in range(rig.pusher.settings.sync_push_max_attempts + 2):
        rig.clock.advance(hours=2)
        await rig.pusher.run_once()
    job = (await rig.jobs())[0]
    assert job.status == "dead" and calls == rig.pusher.settings.sync_push_max_attempts


async def test_a_dead_job_says_what_upstream_answered(rig: SyncRig) -> None:
    await _followed_up_report(rig)
    problem = '{"message": "data tidak valid", "errors": {"title": ["terlalu pendek"]}}'
    rig.mock.fail_next(422, path="/complaints/complaint", method="POST", body=problem)
    await rig.pusher.run_once()
    job = (await rig.jobs())[0]
    assert job.status == "dead"
    assert "HTTP 422" in (job.last_error or "") and "title: terlalu pendek" in (job.last_error or "")


async def test_a_failed_job_backs_off_within_the_push_settings(rig: SyncRig) -> None:
    await _followed_up_report(rig)
    attempts = rig.pusher.client.retry.max_attempts  # every attempt of the call fails
    rig.mock.fail_next(*[503] * attempts, path="/complaints/complaint", method="POST")
    before = rig.clock()
    await rig.pusher.run_once()
    after = rig.clock()
    job = (await rig.jobs())[0]
    assert (job.status, job.attempts) == ("pending", 1)
    base = timedelta(seconds=rig.pusher.settings.sync_push_base_delay_seconds)
    assert before + base / 2 <= job.next_attempt_at <= after + base


async def test_a_rate_limited_job_waits_at_least_what_upstream_asked(rig: SyncRig) -> None:
    await _followed_up_report(rig)
    rig.mock.rate_limit_next(600, path="/complaints/complaint")
    before = rig.clock()
    await rig.pusher.run_once()
    job = (await rig.jobs())[0]
    assert (job.status, job.attempts) == ("pending", 1)
    assert job.next_attempt_at >= before + timedelta(seconds=600)
    assert "RateLimitedError" in (job.last_error or "")


async def test_an_absurd_retry_after_puts_the_job_back_for_an_hour_at_most(rig: SyncRig) -> None:
    await _followed_up_report(rig)
    rig.mock.rate_limit_next(10**12, path="/complaints/complaint")
    before = rig.clock()
    await rig.pusher.run_once()
    job = (await rig.jobs())[0]
    assert (job.status, job.attempts, job.lease_until) == ("pending", 1, None), "not left running"
    assert before + timedelta(hours=1) <= job.next_attempt_at <= rig.clock() + timedelta(hours=1)
