"""A group of outcomes is written in one go, each delivery by the shape of its change: delivered,
tried again later, given up, and one whose lease another worker's claim took over meanwhile, for
which nothing at all is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.core.config import Settings
from app.core.db import unit_of_work
from app.models import WebhookDelivery
from app.models.types import utcnow
from app.webhooks.claims import ClaimedDelivery, claim_due
from app.webhooks.recording import record_outcomes
from app.webhooks.schedule import RetrySchedule
from app.webhooks.sender import AttemptOutcome
from tests.helpers import Keys, file_report
from tests.webhooks.support import set_row, stored_attempts, stored_deliveries


def _outcome(delivery: ClaimedDelivery, status_code: int, at: datetime) -> AttemptOutcome:
    error = None if status_code == 200 else f"HTTP {status_code}"
    return AttemptOutcome(
        delivery_id=delivery.delivery_id,
        subscription_id=delivery.subscription_id,
        lease_until=delivery.lease.until,
        attempted_at=at,
        status_code=status_code,
        duration_ms=7,
        error=error,
    )


@dataclass
class _Group:
    delivered: ClaimedDelivery
    retried: ClaimedDelivery
    given_up: ClaimedDelivery
    taken_over: ClaimedDelivery
    other_claim: datetime


async def _claimed_group(app: Any, schedule: RetrySchedule, now: datetime) -> _Group:
    """Four deliveries claimed by this worker; the third on its last attempt, the fourth since
    taken over by another worker's claim."""
    async with unit_of_work(app.state.runtime.sessions) as session:
        claimed = await claim_due(session, now=now, lease_until=now + timedelta(seconds=60), limit=10)
    assert len(claimed) == 4, "one delivery per report is due"
    delivered, retried, given_up, taken_over = claimed
    await set_row(app, WebhookDelivery, given_up.delivery_id, attempts=schedule.max_attempts - 1)
    other_claim = now + timedelta(seconds=90)
    await set_row(app, WebhookDelivery, taken_over.delivery_id, claimed_until=other_claim)
    return _Group(delivered, retried, given_up, taken_over, other_claim)


async def test_a_mixed_group_is_written_in_one_go_and_a_taken_over_delivery_not_at_all(
    app: Any, client: httpx.AsyncClient, keys: Keys, subscription: dict[str, Any], settings: Settings
) -> None:
    for _ in range(4):
        await file_report(client, keys.intake)
    schedule = RetrySchedule.from_settings(settings)  # no jitter in these tests
    now = utcnow()
    group = await _claimed_group(app, schedule, now)
    before = {d.id: d for d in await stored_deliveries(app)}
    at = [now + timedelta(seconds=s) for s in (1, 2, 3, 4)]
    outcomes = [
        _outcome(group.delivered, 200, at[0]),
        _outcome(group.retried, 500, at[1]),
        _outcome(group.given_up, 503, at[2]),
        _outcome(group.taken_over, 200, at[3]),
    ]
    async with unit_of_work(app.state.runtime.sessions) as session:
        await record_outcomes(session, outcomes, schedule=schedule, disable_after=timedelta(days=5))

    rows = {d.id: d for d in await stored_deliveries(app)}
    delivered = rows[group.delivered.delivery_id]
    assert (delivered.status, delivered.attempts, delivered.claimed_until) == ("succeeded", 1, None)
    assert (delivered.finished_at, delivered.last_attempt_at) == (at[0], at[0])
    assert (delivered.last_status_code, delivered.last_error) == (200, None)
    assert delivered.next_attempt_at == before[delivered.id].next_attempt_at, "no next attempt"

    retried = rows[group.retried.delivery_id]
    assert (retried.status, retried.attempts, retried.claimed_until) == ("pending", 1, None)
    assert retried.next_attempt_at == at[1] + timedelta(seconds=schedule.next_wait(1) or 0)
    assert (retried.finished_at, retried.last_status_code, retried.last_error) == (None, 500, "HTTP 500")

    given_up = rows[group.given_up.delivery_id]
    assert (given_up.status, given_up.attempts, given_up.claimed_until) == (
        "failed",
        schedule.max_attempts,
        None,
    )
    assert (given_up.finished_at, given_up.last_status_code) == (at[2], 503)

    taken_over = rows[group.taken_over.delivery_id]
    assert (taken_over.status, taken_over.attempts, taken_over.last_attempt_at) == ("pending", 0, None)
    assert taken_over.claimed_until == group.other_claim, "the other worker's claim stands"

    attempts = await stored_attempts(app)
    assert sorted((a.delivery_id, a.status_code) for a in attempts) == sorted(
        [(delivered.id, 200), (retried.id, 500), (given_up.id, 503)]
    )
    state = (
        await client.get(f"/api/v1/webhooks/subscriptions/{subscription['id']}", headers=keys.admin)
    ).json()
    assert datetime.fromisoformat(state["last_success_at"]) == at[0], "the success taken over not counted"
    assert state["failing_since"] is None and state["active"] is True
