"""What receivers answer decides: 410 disables, Retry-After is honoured, long failure disables,
an exhausted delivery fails and can be replayed or redelivered, redirects are not followed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.models.types import utcnow
from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import Keys, file_report
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import FakeClock, deliver_due, stored_deliveries


async def _subscription(client: httpx.AsyncClient, keys: Keys, sid: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/webhooks/subscriptions/{sid}", headers=keys.admin)
    data: dict[str, Any] = response.json()
    return data


async def test_410_disables_the_subscription(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver.status = 410
    await file_report(client, keys.intake)
    await deliver_due(job)
    state = await _subscription(client, keys, subscription["id"])
    assert state["active"] is False
    assert "410" in state["disabled_reason"] and state["disabled_at"]
    assert any("disabled" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert [d.status for d in await stored_deliveries(app)] == ["failed"]

    await file_report(client, keys.intake)  # no delivery for a disabled subscription
    await deliver_due(job)
    assert len(receiver.requests) == 1 and len(await stored_deliveries(app)) == 1


async def test_retry_after_is_honoured(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
    clock: FakeClock,
) -> None:
    receiver.answers.append((429, {"retry-after": "120"}, b"slow down"))
    await file_report(client, keys.intake)
    await deliver_due(job)
    (delivery,) = await stored_deliveries(app)
    assert delivery.last_attempt_at is not None
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(seconds=120)
    clock.advance(110)
    await deliver_due(job)
    assert len(receiver.requests) == 1
    clock.advance(11)
    await deliver_due(job)
    assert [r.status for r in receiver.requests] == [429, 200]


async def test_failing_too_long_without_success_disables(
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    app: Any,
    clock: FakeClock,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = DeliveryJob(
        settings.model_copy(update={"webhook_disable_after_seconds": 3600}),
        app.state.runtime.sessions,
        clock=clock,
    )
    try:
        receiver.status = 500
        await file_report(client, keys.intake)
        for wait in (0, 5, 300, 1800):  # 2105 s of failing: still on
            clock.advance(wait)
            await deliver_due(job)
        assert (await _subscription(client, keys, subscription["id"]))["active"] is True
        clock.advance(7200)
        await deliver_due(job)
    finally:
        await job.aclose()
    state = await _subscription(client, keys, subscription["id"])
    assert state["active"] is False and "failing" in state["disabled_reason"]
    assert state["failing_since"] is not None and state["last_success_at"] is None
    assert any("disabled" in r.getMessage() for r in caplog.records)
    assert len(receiver.requests) == 5

    # Enabled again, it starts afresh and the waiting delivery goes out.
    receiver.status = 200
    response = await client.post(
        f"/api/v1/webhooks/subscriptions/{subscription['id']}/enable", headers=keys.admin
    )
    assert response.json()["active"] is True and response.json()["failing_since"] is None
    clock.advance(18000)
    job = DeliveryJob(settings, app.state.runtime.sessions, clock=clock)
    try:
        await deliver_due(job)
    finally:
        await job.aclose()
    assert receiver.requests[-1].status == 200
    assert (await _subscription(client, keys, subscription["id"]))["last_success_at"] is not None


async def test_exhausted_delivery_fails_then_replay_and_redeliver(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    settings: Settings,
    clock: FakeClock,
) -> None:
    job = DeliveryJob(
        settings.model_copy(update={"webhook_retry_schedule": "1,1"}), app.state.runtime.sessions, clock=clock
    )
    try:
        receiver.status = 503
        since = utcnow()
        await file_report(client, keys.intake)
        for _ in range(4):
            await deliver_due(job)
            clock.advance(1)
        (delivery,) = await stored_deliveries(app)
        assert delivery.status == "failed" and delivery.attempts == 3 and len(receiver.requests) == 3
        base = f"/api/v1/webhooks/subscriptions/{subscription['id']}"
        failed = (await client.get(f"{base}/deliveries?status=failed", headers=keys.admin)).json()
        assert [d["msg_id"] for d in failed["items"]] == [delivery.msg_id]
        assert len(failed["items"][0]["attempt_log"]) == 3

        receiver.status = 200
        replay = await client.post(f"{base}/replay", json={"since": since.isoformat()}, headers=keys.admin)
        assert replay.json() == {"replayed": 1, "missed": 0}
        await deliver_due(job)
        assert receiver.requests[-1].status == 200 and receiver.requests[-1].msg_id == delivery.msg_id

        redo = await client.post(f"{base}/events/{delivery.event_id}/redeliver", headers=keys.admin)
        assert redo.status_code == 202 and redo.json()["status"] == "pending"
        await deliver_due(job)
    finally:
        await job.aclose()
    assert [r.msg_id for r in receiver.ok()] == [delivery.msg_id, delivery.msg_id]
    log = (
        await client.get(f"/api/v1/webhooks/events/{delivery.event_id}/deliveries", headers=keys.admin)
    ).json()
    assert [a["status_code"] for a in log[0]["attempt_log"]] == [503, 503, 503, 200, 200]


async def test_redirects_are_not_followed_and_answers_are_cut_to_2kb(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
    clock: FakeClock,
) -> None:
    receiver.answers.append((307, {"location": receiver.url + "/elsewhere"}, b""))
    receiver.answers.append((500, {}, b"x" * 10_000))
    await file_report(client, keys.intake)
    await deliver_due(job)
    assert len(receiver.requests) == 1  # the redirect was not followed
    (delivery,) = await stored_deliveries(app)
    assert delivery.status == "pending" and delivery.last_status_code == 307
    clock.advance(5)
    await deliver_due(job)
    page = (
        await client.get(
            f"/api/v1/webhooks/subscriptions/{subscription['id']}/deliveries", headers=keys.admin
        )
    ).json()
    attempts = page["items"][0]["attempt_log"]
    assert [a["status_code"] for a in attempts] == [307, 500]
    assert len(attempts[1]["response_body"]) == 2048


async def test_ping_goes_through_the_delivery_path(
    client: httpx.AsyncClient, keys: Keys, receiver: Receiver, subscription: dict[str, Any], job: DeliveryJob
) -> None:
    response = await client.post(
        f"/api/v1/webhooks/subscriptions/{subscription['id']}/ping", headers=keys.admin
    )
    assert response.status_code == 202 and response.json()["event_type"] == "webhook.ping"
    await deliver_due(job)
    (request,) = receiver.requests
    assert request.message["type"] == "webhook.ping"
    assert request.message["data"] == {"subscription_id": subscription["id"]}
    assert request.verified_by == [subscription["secret"]]
    assert request.msg_id == response.json()["msg_id"]
