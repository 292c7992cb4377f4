"""The subscription API: admin only, secret shown once, changes, delete, the delivery log pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import Keys, file_report
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import deliver_due, outbox_events, stored_deliveries

BASE = "/api/v1/webhooks/subscriptions"


@pytest.mark.parametrize("role", ["coordinator", "agency", "intake", "viewer"])
async def test_only_admins(client: httpx.AsyncClient, keys: Keys, role: str, receiver: Receiver) -> None:
    headers = keys.by_name(role)
    assert (await client.get(BASE, headers=headers)).status_code == 403
    created = await client.post(BASE, json={"url": receiver.url}, headers=headers)
    assert created.status_code == 403 and created.json()["error"] == "forbidden"
    assert (await client.get(BASE)).status_code == 401


async def test_create_read_change_delete(
    app: Any, client: httpx.AsyncClient, keys: Keys, receiver: Receiver
) -> None:
    created = await client.post(
        BASE,
        json={"url": receiver.url, "event_types": ["report.created"], "description": "WhatsApp bot"},
        headers=keys.admin,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    assert body["event_types"] == ["report.created"]
    one = (await client.get(f"{BASE}/{body['id']}", headers=keys.admin)).json()
    assert "secret" not in one and one["description"] == "WhatsApp bot"

    changed = await client.patch(
        f"{BASE}/{body['id']}", json={"event_types": None, "description": "bot v2"}, headers=keys.admin
    )
    assert changed.json()["event_types"] is None and changed.json()["description"] == "bot v2"
    assert changed.json()["url"] == receiver.url
    bad = await client.patch(
        f"{BASE}/{body['id']}", json={"event_types": ["report.nope"]}, headers=keys.admin
    )
    assert bad.status_code == 422

    await file_report(client, keys.intake)
    assert len(await stored_deliveries(app)) == 1
    assert (await client.delete(f"{BASE}/{body['id']}", headers=keys.admin)).status_code == 204
    assert await stored_deliveries(app) == []
    assert len(await outbox_events(app)) == 1  # the outbox itself is untouched
    missing = await client.get(f"{BASE}/{body['id']}", headers=keys.admin)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


async def test_unknown_things_are_404(client: httpx.AsyncClient, keys: Keys) -> None:
    for method, path in [
        ("GET", f"{BASE}/999"),
        ("POST", f"{BASE}/999/ping"),
        ("POST", f"{BASE}/999/rotate-secret"),
        ("GET", f"{BASE}/999/deliveries"),
        ("GET", "/api/v1/webhooks/events/999/deliveries"),
    ]:
        response = await client.request(method, path, headers=keys.admin)
        assert response.status_code == 404, path


async def test_delivery_log_pages_newest_first(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
) -> None:
    for _ in range(5):
        await file_report(client, keys.intake)
    await deliver_due(job)
    url = f"{BASE}/{subscription['id']}/deliveries"
    first = (await client.get(url, params={"limit": 3}, headers=keys.admin)).json()
    second = (
        await client.get(url, params={"limit": 3, "before": first["next_cursor"]}, headers=keys.admin)
    ).json()
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 5 and second["next_cursor"] is None
    entry = first["items"][0]
    assert entry["status"] == "succeeded" and entry["next_attempt_at"] is None
    (attempt,) = entry["attempt_log"]
    assert attempt["status_code"] == 200 and attempt["response_body"] == "ok" and attempt["duration_ms"] >= 0

    event_id = (await outbox_events(app))[0].id
    per_event = (
        await client.get(f"/api/v1/webhooks/events/{event_id}/deliveries", headers=keys.admin)
    ).json()
    assert [d["subscription_id"] for d in per_event] == [subscription["id"]]


async def test_ping_needs_an_active_subscription(
    client: httpx.AsyncClient, keys: Keys, subscription: dict[str, Any]
) -> None:
    await client.post(f"{BASE}/{subscription['id']}/disable", headers=keys.admin)
    response = await client.post(f"{BASE}/{subscription['id']}/ping", headers=keys.admin)
    assert response.status_code == 409 and response.json()["error"] == "conflict"
