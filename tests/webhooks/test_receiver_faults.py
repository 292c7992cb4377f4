"""Receivers that fail in the ways the bar names: one that takes the request but answers too late
(the answer is lost to us), one down for days through the whole default schedule. Nothing is lost:
the late one gets the event again with the same webhook-id; the dead one's deliveries end `failed`,
listed, and replay delivers each once when it is back."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from app.core.config import Settings
from app.models.types import utcnow
from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import Keys, file_report
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import FakeClock, deliver_due, stored_deliveries


async def test_an_answer_that_comes_too_late_is_a_failed_attempt_and_the_event_comes_again(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
    clock: FakeClock,
) -> None:
    quick = settings.model_copy(update={"webhook_timeout_seconds": 0.3})
    job = DeliveryJob(quick, app.state.runtime.sessions, clock=clock)
    receiver.delays.append(2.0)  # the receiver takes the event, its answer comes after the timeout
    try:
        await file_report(client, keys.intake)
        await deliver_due(job)
        (delivery,) = await stored_deliveries(app)
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "timed out" in (delivery.last_error or "")
        clock.advance(5)
        await deliver_due(job)
    finally:
        await job.aclose()
    (delivery,) = await stored_deliveries(app)
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert [r.msg_id for r in receiver.requests] == [delivery.msg_id] * 2, "same webhook-id: dedupable"


async def test_a_receiver_down_for_days_ends_failed_visible_and_replay_delivers_each_once(
    app: Any, client: httpx.AsyncClient, keys: Keys, job: DeliveryJob, clock: FakeClock
) -> None:
    receiver = Receiver()  # never listening until the end: every attempt is refused
    created = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": receiver.url}, headers=keys.admin
    )
    receiver.secrets.append(created.json()["secret"])
    base = f"/api/v1/webhooks/subscriptions/{created.json()['id']}"
    since = utcnow()
    for _ in range(2):
        await file_report(client, keys.intake)
    waits = [0, *app.state.runtime.settings.webhook_retry_waits]
    for wait in waits:  # the whole default schedule, about three days
        clock.advance(wait + 1)
        await deliver_due(job)
    deliveries = await stored_deliveries(app)
    assert [(d.status, d.attempts) for d in deliveries] == [("failed", len(waits))] * 2
    failed = (await client.get(f"{base}/deliveries?status=failed", headers=keys.admin)).json()["items"]
    assert sorted(d["msg_id"] for d in failed) == sorted(d.msg_id for d in deliveries)
    assert all(len(d["attempt_log"]) == len(waits) for d in failed)
    assert (await client.get(base, headers=keys.admin)).json()["active"], "days, not the five to disable"
    receiver.start()
    try:
        replay = await client.post(f"{base}/replay", json={"since": since.isoformat()}, headers=keys.admin)
        assert replay.json() == {"replayed": 2, "missed": 0}
        await deliver_due(job)
    finally:
        receiver.stop()
    assert Counter(r.msg_id for r in receiver.ok()) == {d.msg_id: 1 for d in deliveries}
    assert {d.status for d in await stored_deliveries(app)} == {"succeeded"}
