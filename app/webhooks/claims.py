"""Claiming due deliveries for one worker, in per-report order, with a lease.

On PostgreSQL the claim locks with `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint
deliveries; the lease (`claimed_until`) keeps a claimed delivery out of other claims while it is
being sent, and brings it back when a worker died with it. The claim's `claimed_until` is the
worker's token: its outcome is written only while the delivery still carries it (see `lease`).
SQLite runs one worker only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import BindParameter, Integer, bindparam, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from app.models import DeliveryStatus, DomainEvent, WebhookDelivery, WebhookSubscription
from app.webhooks.lease import DeliveryLease
from app.webhooks.signing import PING_EVENT, message_body

PENDING = DeliveryStatus.pending.value


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this worker holds by its lease (token: the claim's `claimed_until`), ready to send."""

    delivery_id: int
    subscription_id: int
    msg_id: str
    url: str
    signing_secrets: tuple[str, ...]
    body: bytes
    attempts: int
    lease: DeliveryLease


@cache
def _claim_statement(lock: bool) -> Any:
    """Mark up to `:limit` due deliveries as claimed until `:lease_until`; their ids.

    Due: pending, `next_attempt_at` passed, not leased to a worker, of an active subscription,
    and no earlier delivery of the same report to the same subscription still pending. Built
    once (with bound parameters) and reused, as the claim runs many times a second when busy.
    """
    now: BindParameter[datetime] = bindparam("now")
    claimable = aliased(WebhookDelivery, name="claimable")
    earlier = aliased(WebhookDelivery, name="earlier")
    waits_for_earlier = exists().where(
        col(earlier.subscription_id) == col(claimable.subscription_id),
        col(earlier.report_id) == col(claimable.report_id),
        col(earlier.status) == PENDING,
        col(earlier.id) < col(claimable.id),
    )
    due = (
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
        .limit(bindparam("limit", type_=Integer()))
    )
    if lock:
        due = due.with_for_update(of=claimable, skip_locked=True)
    # A materialized CTE: the locking SELECT runs exactly once, whatever plan the UPDATE gets.
    chosen = due.cte("due").prefix_with("MATERIALIZED", dialect="postgresql")
    return (
        update(WebhookDelivery)
        .where(col(WebhookDelivery.id) == chosen.c.id)
        .values(claimed_until=bindparam("lease_until"))
        .returning(col(WebhookDelivery.id))
        .execution_options(synchronize_session=False)
    )


@cache
def _details_statement() -> Any:
    """What it takes to send the claimed deliveries `:ids`."""
    return (
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
        .where(col(WebhookDelivery.id).in_(bindparam("ids", expanding=True)))
        .order_by(col(WebhookDelivery.id))
    )


async def claim_due(
    session: AsyncSession, *, now: datetime, lease_until: datetime, limit: int
) -> list[ClaimedDelivery]:
    """Take up to `limit` due deliveries until `lease_until`, with what it takes to send them."""
    # On the session's connection: plain rows, with none of the ORM's per-statement work.
    connection = await session.connection()
    lock = connection.dialect.name == "postgresql"  # SQLite runs a single worker
    claimed = await connection.execute(
        _claim_statement(lock), {"now": now, "lease_until": lease_until, "limit": limit}
    )
    claimed_ids = list(claimed.scalars())
    if not claimed_ids:
        return []
    rows = (await connection.execute(_details_statement(), {"ids": claimed_ids})).all()
    return [_claimed(row, now, lease_until) for row in rows]


def _claimed(row: Any, now: datetime, lease_until: datetime) -> ClaimedDelivery:
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
        lease=DeliveryLease(row.id, lease_until),
    )
