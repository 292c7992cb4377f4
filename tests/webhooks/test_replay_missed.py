"""Replay brings back what a subscription missed while it was disabled (by an admin, or after
failing for days): no delivery was written for those events, so replay writes one for each event
it wants since the given time, once, and sends its failed deliveries again."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx

from app.models.types import utcnow
from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import Keys, bring_to, file_report
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import deliver_due, stored_deliveries


async def test_replay_sends_the_events_raised_while_disabled_once_each(
    app: Any, client: httpx.AsyncClient, keys: Keys, receiver: Receiver, job: DeliveryJob
) -> None:
    await file_report(client, keys.intake)  # before the subscription: never its to miss
    created = await client.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": receiver.url, "event_types": ["report.created", "report.disposed"]},
        headers=keys.admin,
    )
    receiver.secrets.append(created.json()["secret"])
    base = f"/api/v1/webhooks/subscriptions/{created.json()['id']}"
    since = utcnow()
    await file_report(client, keys.intake)  # delivered while active
    await deliver_due(job)
    assert (await client.post(f"{base}/disable", headers=keys.admin)).status_code == 200
    missed = await bring_to(client, keys, "disposed")  # created, status changes, disposed
    await file_report(client, keys.intake)
    assert (await client.post(f"{base}/enable", headers=keys.admin)).status_code == 200
    delivered_before = [r.msg_id for r in receiver.ok()]
    assert len(delivered_before) == 1

    replay = await client.post(f"{base}/replay", json={"since": since.isoformat()}, headers=keys.admin)
    assert replay.status_code == 200 and replay.json() == {"replayed": 3, "missed": 3}
    await deliver_due(job)
    sent = [(r.message["type"], r.message["data"]["report_id"]) for r in receiver.ok()[1:]]
    # In event order within each report (reports go side by side).
    assert [t for t, report_id in sent if report_id == missed["id"]] == ["report.created", "report.disposed"]
    assert [t for t, report_id in sent if report_id != missed["id"]] == ["report.created"]

    # Asked again, nothing more goes out: every event has its one delivery, each sent once.
    again = await client.post(f"{base}/replay", json={"since": since.isoformat()}, headers=keys.admin)
    assert again.json() == {"replayed": 0, "missed": 0}
    await deliver_due(job)
    deliveries = [d for d in await stored_deliveries(app) if d.subscription_id == created.json()["id"]]
    assert len(deliveries) == 4 and {d.status for d in deliveries} == {"succeeded"}
    assert Counter(r.msg_id for r in receiver.ok()) == {d.msg_id: 1 for d in deliveries}


async def test_replay_to_a_disabled_subscription_is_refused_and_queues_nothing(
    app: Any, client: httpx.AsyncClient, keys: Keys, subscription: dict[str, Any]
) -> None:
    base = f"/api/v1/webhooks/subscriptions/{subscription['id']}"
    since = utcnow()
    await client.post(f"{base}/disable", headers=keys.admin)
    await file_report(client, keys.intake)
    refused = await client.post(f"{base}/replay", json={"since": since.isoformat()}, headers=keys.admin)
    assert refused.status_code == 409
    assert await stored_deliveries(app) == []
