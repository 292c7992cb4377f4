"""Deliveries are written with the change: a change that rolls back leaves no event and sends nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.core.db import unit_of_work
from app.models import Report, WebhookDelivery
from app.reports.service import MoveRequest, apply_action
from app.reports.transitions import Action
from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import Keys, file_report
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import deliver_due, outbox_events, stored_deliveries


async def test_a_rolled_back_change_has_no_event_and_no_delivery(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
) -> None:
    report = await file_report(client, keys.intake)
    await deliver_due(job)
    assert len(receiver.requests) == 1

    with pytest.raises(RuntimeError, match="after its events"):
        async with unit_of_work(app.state.runtime.sessions) as session:
            row = await session.get(Report, report["id"])
            assert row is not None
            await apply_action(
                session,
                row,
                policy=app.state.runtime.sla,
                move=MoveRequest(action=Action.verify, actor="test"),
            )
            # Inside the transaction the delivery exists beside its event...
            pending = (await session.execute(select(func.count()).select_from(WebhookDelivery))).scalar_one()
            assert pending == 2
            raise RuntimeError("the change fails after its events were written")

    # ...and after the rollback neither does.
    assert [e.type for e in await outbox_events(app)] == ["report.created"]
    assert len(await stored_deliveries(app)) == 1
    await deliver_due(job)
    assert len(receiver.requests) == 1
    current = (await client.get(f"/api/v1/reports/{report['id']}", headers=keys.admin)).json()
    assert current["status"] == "unverified"


async def test_a_refused_move_sends_nothing(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
) -> None:
    report = await file_report(client, keys.intake)
    refused = await client.post(f"/api/v1/reports/{report['id']}/archive", headers=keys.admin)
    assert refused.status_code == 409
    await deliver_due(job)
    assert [r.message["type"] for r in receiver.requests] == ["report.created"]


async def test_disabled_subscriptions_get_no_deliveries_and_waiting_ones_resume_on_enable(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
) -> None:
    base = f"/api/v1/webhooks/subscriptions/{subscription['id']}"
    await file_report(client, keys.intake)  # written while active, waits while disabled
    disabled = await client.post(
        f"{base}/disable", json={"reason": "receiver maintenance"}, headers=keys.admin
    )
    assert disabled.json()["active"] is False and disabled.json()["disabled_reason"] == "receiver maintenance"
    await file_report(client, keys.intake)  # no delivery at all
    await deliver_due(job)
    assert receiver.requests == [] and len(await stored_deliveries(app)) == 1

    await client.post(f"{base}/enable", headers=keys.admin)
    await deliver_due(job)
    assert len(receiver.requests) == 1 and receiver.requests[0].verified_by
