"""A delivery belongs to the claim that holds its lease: a worker whose lease was taken over while
it was sending records nothing (the other worker's claim and outcome stand, nothing counts against
the subscription), a receiver that is only slow keeps the lease through its renewals, and a request
never outlives a lease that is not renewed."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.models import WebhookSubscription
from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import Keys, file_report, report_body
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import FakeClock, deliver_due, set_row, stored_attempts, stored_deliveries


@dataclass
class PausedAfterClaim(FakeClock):
    """A worker's clock that jumps `pause` seconds right after the claim read it (a paused process)."""

    pause: float = 0.0

    def __call__(self) -> datetime:
        now = super().__call__()
        self.advance(self.pause)
        self.pause = 0.0
        return now


async def _subscription_state(client: httpx.AsyncClient, keys: Keys, sid: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/webhooks/subscriptions/{sid}", headers=keys.admin)
    data: dict[str, Any] = response.json()
    return data


def _lease_lost(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "lease lost" in r.getMessage()]


async def test_a_worker_whose_lease_was_taken_over_records_nothing(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
    job: DeliveryJob,
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver.answers.append((500, {}, b"boom"))  # the first worker's request fails...
    receiver.delays.extend([0.3, 2.0])  # ...late; the second worker's is still in flight after it
    await file_report(client, keys.intake)
    # The second worker looks after the first one's lease ended (the first was paused, say).
    later = FakeClock(timedelta(seconds=settings.webhook_lease_seconds + 1))
    other = DeliveryJob(settings, app.state.runtime.sessions, clock=later)
    try:
        assert await job.run_once() == 1
        await receiver.wait_for(1)
        assert await other.run_once() == 1, "the second worker takes the delivery over"
        await receiver.wait_for(2)
        (taken,) = await stored_deliveries(app)
        await job.drain()  # the first worker's 500 comes back and is recorded... or not
        assert other.attempts_finished == 0, "the second worker's request must still be in flight"
        (delivery,) = await stored_deliveries(app)
        assert delivery.claimed_until == taken.claimed_until, "the second worker's claim stands"
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 0, None)
        assert await stored_attempts(app) == []
        assert await other.run_once() == 0, "still claimed: not sent a third time"
        await other.drain()
    finally:
        await other.aclose()
    (delivery,) = await stored_deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("succeeded", 1, None)
    assert [a.status_code for a in await stored_attempts(app)] == [200], "the second worker's outcome"
    assert [r.msg_id for r in receiver.requests] == [delivery.msg_id] * 2  # once per claim
    (message,) = _lease_lost(caplog)
    assert str(delivery.id) in message and delivery.msg_id not in message
    assert report_body()["title"] not in caplog.text, "no payload in the logs"


async def test_a_lost_lease_failure_does_not_count_towards_disabling(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
    clock: FakeClock,
    job: DeliveryJob,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Failing for longer than the limit: the next failure recorded disables the subscription.
    failing_since = clock() - timedelta(seconds=settings.webhook_disable_after_seconds + 60)
    await set_row(app, WebhookSubscription, subscription["id"], failing_since=failing_since)
    receiver.status = 500
    receiver.delays.append(0.5)
    await file_report(client, keys.intake)
    assert await job.run_once() == 1
    await receiver.wait_for(1)
    (delivery,) = await stored_deliveries(app)
    other_claim = clock() + timedelta(seconds=settings.webhook_lease_seconds + 30)
    await set_row(app, type(delivery), delivery.id, claimed_until=other_claim)  # a second worker's claim
    await job.drain()
    state = await _subscription_state(client, keys, subscription["id"])
    assert state["active"] is True and state["disabled_reason"] is None
    assert datetime.fromisoformat(state["failing_since"]) == failing_since, "no failure counted"
    (delivery,) = await stored_deliveries(app)
    assert (delivery.claimed_until, delivery.attempts) == (other_claim, 0)
    assert await stored_attempts(app) == [] and len(_lease_lost(caplog)) == 1

    # The same failure, recorded under a lease still held, does disable it.
    clock.advance(settings.webhook_lease_seconds + 31)
    await deliver_due(job)
    state = await _subscription_state(client, keys, subscription["id"])
    assert state["active"] is False and "failing" in state["disabled_reason"]
    assert [a.status_code for a in await stored_attempts(app)] == [500]


async def test_a_slow_receiver_keeps_the_lease_and_no_other_worker_sends_meanwhile(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
    clock: FakeClock,
) -> None:
    lease = 3.0
    short = settings.model_copy(update={"webhook_lease_seconds": lease, "webhook_timeout_seconds": 2.8})
    receiver.delays.append(2.1)  # slower than a third of the lease, within the timeout
    await file_report(client, keys.intake)
    slow = DeliveryJob(short, app.state.runtime.sessions, clock=clock)
    # The other worker's clock runs 45% of a lease ahead: without renewals it would see the lease
    # end 55% of a lease into the request; renewed every third of a lease, the lease never ends
    # for it (a renewal may come up to 22% of a lease late).
    ahead = FakeClock(clock.offset + timedelta(seconds=0.45 * lease))
    other = DeliveryJob(short, app.state.runtime.sessions, clock=ahead)
    try:
        assert await slow.run_once() == 1
        (claimed,) = await stored_deliveries(app)
        tokens = {claimed.claimed_until}
        deadline = time.monotonic() + 10
        while slow.attempts_finished == 0:
            assert time.monotonic() < deadline, "the slow attempt never ended"
            assert await other.run_once() == 0, "another worker claimed a delivery in flight"
            tokens.update(d.claimed_until for d in await stored_deliveries(app) if d.claimed_until)
            await asyncio.sleep(0.05)  # polling interval, bounded by the deadline
        await other.drain()
    finally:
        await slow.aclose()
        await other.aclose()
    assert len(tokens) > 1, "the lease was renewed while the request was in flight"
    (delivery,) = await stored_deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("succeeded", 1, None)
    assert [r.status for r in receiver.requests] == [200]


async def test_a_worker_paused_past_its_lease_after_the_claim_does_not_send(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = PausedAfterClaim(pause=settings.webhook_lease_seconds + 1)
    job = DeliveryJob(settings, app.state.runtime.sessions, clock=clock)
    try:
        await file_report(client, keys.intake)
        assert await job.run_once() == 1
        await job.drain()
        assert receiver.requests == [] and await stored_attempts(app) == []
        assert any("lease over before sending" in r.getMessage() for r in caplog.records)
        await deliver_due(job)  # the lease has ended: the next claim sends it, once
    finally:
        await job.aclose()
    (delivery,) = await stored_deliveries(app)
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
    assert [r.msg_id for r in receiver.requests] == [delivery.msg_id]


async def test_a_request_never_outlives_a_lease_that_is_not_renewed(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
) -> None:
    # Paused after the claim until half a second of the lease is left: that bounds the request,
    # not the (longer) timeout, so no other claim can begin while it is in flight.
    clock = PausedAfterClaim(pause=settings.webhook_lease_seconds - 0.5)
    job = DeliveryJob(settings, app.state.runtime.sessions, clock=clock)
    receiver.delays.append(1.2)  # would answer within the timeout, after the lease
    try:
        await file_report(client, keys.intake)
        assert await job.run_once() == 1
        await job.drain()
    finally:
        await job.aclose()
    (delivery,) = await stored_deliveries(app)
    (attempt,) = await stored_attempts(app)
    assert attempt.status_code is None and "timed out" in (attempt.error or "")
    assert attempt.duration_ms < 1000 < settings.webhook_timeout_seconds * 1000
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("pending", 1, None)
