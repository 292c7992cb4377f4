"""Events reach a real receiver signed, in order per report, and survive the receiver being down."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from app.webhooks.delivery_job import DeliveryJob
from tests.helpers import REPORTER, Keys, bring_to, file_report
from tests.webhooks.receiver import Receiver
from tests.webhooks.support import FakeClock, deliver_due, outbox_events, stored_deliveries


def _as_sent(event: Any) -> tuple[str, dict[str, Any]]:
    return event.type, json.loads(event.payload)


async def test_a_reports_whole_life_arrives_signed_and_in_order(
    app: Any,
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
) -> None:
    report = await bring_to(client, keys, "archived")
    await deliver_due(job)

    expected = [_as_sent(e) for e in await outbox_events(app, report["id"])]
    assert [e[0] for e in expected][:2] == ["report.created", "report.status_changed"]
    created = expected[0][1]
    assert (created["report_id"], created["tracking_number"]) == (report["id"], report["tracking_number"])
    assert (created["status_before"], created["status_after"], created["origin"]) == (
        None,
        "unverified",
        "local",
    )
    received = [(r.message["type"], r.message["data"]) for r in receiver.requests]
    assert received == expected
    for request in receiver.requests:
        assert request.verified_by == [subscription["secret"]]
        assert request.status == 200
        assert set(request.message) == {"type", "timestamp", "data"}
        assert request.message["timestamp"].endswith("Z")
    assert len({r.msg_id for r in receiver.requests}) == len(receiver.requests)
    assert all(re.fullmatch(r"msg_[0-9a-f]{24}", r.msg_id) for r in receiver.requests)
    statuses = [d["status_after"] for t, d in received if t == "report.status_changed"]
    assert statuses == ["verified", "disposed", "followed_up", "completed", "archived"]
    assert all(d.status == "succeeded" and d.attempts == 1 for d in await stored_deliveries(app))


async def test_bodies_carry_no_personal_data(
    client: httpx.AsyncClient, keys: Keys, receiver: Receiver, subscription: dict[str, Any], job: DeliveryJob
) -> None:
    await bring_to(client, keys, "completed")
    await bring_to(client, keys, "rejected", is_anonymous=True)
    await deliver_due(job)
    assert len(receiver.requests) >= 8
    for request in receiver.requests:
        sent = request.body.decode() + json.dumps(request.headers)
        for value in REPORTER.values():
            assert value not in sent


async def test_event_type_filter(
    client: httpx.AsyncClient, keys: Keys, receiver: Receiver, job: DeliveryJob
) -> None:
    response = await client.post(
        "/api/v1/webhooks/subscriptions",
        json={"url": receiver.url, "event_types": ["report.disposed", "report.followed_up"]},
        headers=keys.admin,
    )
    receiver.secrets.append(response.json()["secret"])
    await bring_to(client, keys, "completed")
    await deliver_due(job)
    assert [r.message["type"] for r in receiver.requests] == ["report.disposed", "report.followed_up"]
    assert all(r.verified_by for r in receiver.requests)


async def test_a_retried_event_holds_back_its_reports_later_events_but_not_other_reports(
    client: httpx.AsyncClient,
    keys: Keys,
    receiver: Receiver,
    subscription: dict[str, Any],
    job: DeliveryJob,
    clock: FakeClock,
) -> None:
    stuck = await file_report(client, keys.intake)
    flowing = await file_report(client, keys.intake)
    receiver.rule = lambda m: (500, {}, b"busy") if m["data"]["report_id"] == stuck["id"] else None
    for report in (stuck, flowing):
        await client.post(f"/api/v1/reports/{report['id']}/verify", headers=keys.admin)
        await client.post(
            f"/api/v1/reports/{report['id']}/dispose", json={"agency_code": "DPUPR"}, headers=keys.admin
        )
    await deliver_due(job)

    def sent_for(report: dict[str, Any]) -> list[Any]:
        return [r for r in receiver.requests if r.message["data"]["report_id"] == report["id"]]

    assert [r.message["type"] for r in sent_for(flowing)] == [
        "report.created",
        "report.status_changed",
        "report.status_changed",
        "report.disposed",
    ]
    # Only the first event of the stuck report was tried; the later ones wait behind it.
    assert [r.message["type"] for r in sent_for(stuck)] == ["report.created"]

    receiver.rule = None
    clock.advance(5)
    await deliver_due(job)
    stuck_sent = sent_for(stuck)
    assert [r.message["type"] for r in stuck_sent] == [
        "report.created",
        "report.created",
        "report.status_changed",
        "report.status_changed",
        "report.disposed",
    ]
    assert stuck_sent[0].msg_id == stuck_sent[1].msg_id  # a retry carries the same webhook-id


async def test_receiver_down_then_failing_then_back_loses_nothing(
    app: Any, client: httpx.AsyncClient, keys: Keys, job: DeliveryJob, clock: FakeClock
) -> None:
    receiver = Receiver()  # not listening yet: connection refused
    response = await client.post(
        "/api/v1/webhooks/subscriptions", json={"url": receiver.url}, headers=keys.admin
    )
    receiver.secrets.append(response.json()["secret"])
    for _ in range(3):
        await bring_to(client, keys, "disposed")
    await deliver_due(job)  # attempt 1: refused
    clock.advance(5)
    await deliver_due(job)  # attempt 2: refused
    receiver.status = 500
    receiver.start()
    try:
        clock.advance(300)
        await deliver_due(job)  # attempt 3: 500
        clock.advance(1800)
        await deliver_due(job)  # attempt 4: 500
        receiver.status = 200
        clock.advance(7200)
        await deliver_due(job)  # attempt 5 succeeds, then the rest follow in order
    finally:
        receiver.stop()

    events = await outbox_events(app)
    deliveries = await stored_deliveries(app)
    assert len(deliveries) == len(events) == 12
    assert all(d.status == "succeeded" for d in deliveries)
    delivered = receiver.ok()
    assert sorted(r.msg_id for r in delivered) == sorted(d.msg_id for d in deliveries)  # each once
    assert {(r.message["type"], json.dumps(r.message["data"], sort_keys=True)) for r in delivered} == {
        (e.type, json.dumps(json.loads(e.payload), sort_keys=True)) for e in events
    }
    failed = [r for r in receiver.requests if r.status != 200]
    assert failed and {r.msg_id for r in failed} <= {r.msg_id for r in delivered}
    assert all(r.verified_by for r in receiver.requests)
    first = deliveries[0]
    log = (
        await client.get(
            f"/api/v1/webhooks/subscriptions/{first.subscription_id}/deliveries/{first.id}",
            headers=keys.admin,
        )
    ).json()
    attempts = log["attempt_log"]
    assert [a["status_code"] for a in attempts] == [None, None, 500, 500, 200]
    assert "ConnectError" in attempts[0]["error"]
    assert log["status"] == "succeeded" and log["msg_id"] == first.msg_id
