"""Claiming due deliveries for one worker, in per-report order, with a lease.

On PostgreSQL the claim locks with `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint
deliveries; the lease (`claimed_until`) keeps a claimed delivery out of other claims while it is
being sent, and brings it back when a worker died with it. SQLite runs one worker only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.models import DeliveryStatus, DomainEvent, WebhookDelivery, WebhookSubscription
from app.webhooks.signing import PING_EVENT, message_body

PENDING = DeliveryStatus.pending.value


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this worker holds until `claimed_until`, ready to send."""

    delivery_id: int
    subscription_id: int
    msg_id: str
    url: str
    signing_secrets: tuple[str, ...]
    body: bytes
    attempts: int


def _due_ids(now: datetime, limit: int, *, lock: bool) -> Any:
    """The ids of due deliveries whose earlier deliveries (same subscription and report) are done."""
    claimable = aliased(WebhookDelivery, name="claimable")
    earlier = aliased(WebhookDelivery, name="earlier")
    waits_for_earlier = exists().where(
        col(earlier.subscription_id) == col(claimable.subscription_id),
        col(earlier.report_id) == col(claimable.report_id),
        col(earlier.status) == PENDING,
        col(earlier.id) < col(claimable.id),
    )
    query = (
        select(col(claimable.id))
        .join(WebhookSubscription, col(WebhookSubscription.id) == col(claimable.subscription_id))
        .where(
            col(claimable.status) == PENDING,
            col(claimable.next_attempt_at) <= now,
            or_(col(claimable.claimed_until).is_(None), col(claimable.claimed_until) <= now),
            col(WebhookSubscription.active).is_(True),
            ~waits_for_earlier,
        )
        .order_by(col(claimable.next_attempt_at), col(claimable.id))
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(of=claimable, skip_locked=True)
    return query


async def claim_due(
    session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int
) -> list[ClaimedDelivery]:
    """Take up to `limit` due deliveries until `lease_until`, with what it takes to send them."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    # A materialized CTE: the locking SELECT runs exactly once, whatever plan the UPDATE gets.
    due = _due_ids(now, limit, lock=postgresql).cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    claimed_ids = list(
        (
            await session.execute(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == due.c.id)
                .values(claimed_until=lease_until)
                .returning(col(WebhookDelivery.id))
                .execution_options(synchronize_session=False)
            )
        ).scalars()
    )
    if not claimed_ids:
        return []
    rows = (
        await session.execute(
            select(
                col(WebhookDelivery.id),
                col(WebhookDelivery.subscription_id),
                col(WebhookDelivery.msg_id),
                col(WebhookDelivery.event_type),
                col(WebhookDelivery.attempts),
                col(WebhookDelivery.created_at),
                col(WebhookSubscription.url),
                col(WebhookSubscription.secret),
                col(WebhookSubscription.previous_secret),
                col(WebhookSubscription.previous_secret_until),
                col(DomainEvent.payload),
                col(DomainEvent.created_at).label("occurred_at"),
            )
            .join(WebhookSubscription, col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id))
            .outerjoin(DomainEvent, col(DomainEvent.id) == col(WebhookDelivery.event_id))
            .where(col(WebhookDelivery.id).in_(claimed_ids))
            .order_by(col(WebhookDelivery.id))
        )
    ).all()
    return [_claimed(row, now) for row in rows]


def _claimed(row: Any, now: datetime) -> ClaimedDelivery:
    if row.event_type == PING_EVENT or row.payload is None:
        body = message_body(row.event_type, row.created_at, {"subscription_id": row.subscription_id})
    else:
        body = message_body(row.event_type, row.occurred_at, orjson.loads(row.payload))
    signing = [row.secret]
    # During a rotation's overlap the old secret signs too, so receivers may switch at leisure.
    if row.previous_secret and row.previous_secret_until and now < row.previous_secret_until:
        signing.append(row.previous_secret)
    return ClaimedDelivery(
        delivery_id=row.id,
        subscription_id=row.subscription_id,
        msg_id=row.msg_id,
        url=row.url,
        signing_secrets=tuple(signing),
        body=body,
        attempts=row.attempts,
    )
