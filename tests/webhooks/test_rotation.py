"""Rotating a secret: both secrets verify during the overlap, only the new one after it."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.config import Settings
from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import Keys, file_report
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import FakeClock, deliver_due


async def test_rotation_overlap_then_new_secret_only(
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
    clock: FakeClock,
    settings: Settings,
) -> None:
    old = subscription["secret"]
    response = await client.post(
        f"/api/v1/webhooks/subscriptions/{subscription['id']}/rotate-secret", headers=keys.admin
    )
    assert response.status_code == 200, response.text
    new = response.json()["secret"]
    assert new.startswith("whsec_") and new != old
    assert response.json()["previous_secret_valid_until"] is not None
    receiver.secrets.append(new)

    await file_report(client, keys.intake)
    await deliver_due(job)
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert sorted(during.verified_by) == sorted([old, new])

    clock.advance(settings.webhook_secret_overlap_seconds + 1)
    await file_report(client, keys.intake)
    await deliver_due(job)
    after = receiver.requests[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert after.verified_by == [new]
    assert len(receiver.requests) == 2

    listed = (await client.get("/api/v1/webhooks/subscriptions", headers=keys.admin)).json()
    assert "secret" not in listed[0] and old not in str(listed) and new not in str(listed)
