"""The delivery log (deliveries with their attempts), redelivery and replay. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import exists, insert, literal, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.errors import Conflict, NotFound
from app.models import DeliveryStatus, DomainEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.models.types import utcnow
from app.webhooks.fanout import NewMsgId, decode_event_types
from app.webhooks.signing import new_msg_id
from app.webhooks.subscriptions import get_subscription, reset_for_redelivery


@dataclass(frozen=True)
class LoggedDelivery:
    """A delivery with its attempts, oldest attempt first."""

    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


async def _with_attempts(
    session: AsyncSession, deliveries: Sequence[WebhookDelivery]
) -> list[LoggedDelivery]:
    ids = [d.id for d in deliveries]
    attempts: dict[int, list[WebhookAttempt]] = {}
    if ids:
        rows = await session.execute(
            select(WebhookAttempt)
            .where(col(WebhookAttempt.delivery_id).in_(ids))
            .order_by(col(WebhookAttempt.delivery_id), col(WebhookAttempt.id))
        )
        for attempt in rows.scalars():
            attempts.setdefault(attempt.delivery_id, []).append(attempt)
    return [LoggedDelivery(d, attempts.get(d.id or 0, [])) for d in deliveries]


async def subscription_log(
    session: AsyncSession,
    subscription_id: int,
    *,
    status: DeliveryStatus | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[LoggedDelivery]:
    """A subscription's deliveries, newest first, with their attempts."""
    await get_subscription(session, subscription_id)
    query = select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
    if status is not None:
        query = query.where(col(WebhookDelivery.status) == status.value)
    if before_id is not None:
        query = query.where(col(WebhookDelivery.id) < before_id)
    rows = await session.execute(query.order_by(col(WebhookDelivery.id).desc()).limit(limit))
    return await _with_attempts(session, list(rows.scalars()))


async def event_log(session: AsyncSession, event_id: int) -> list[LoggedDelivery]:
    """Every delivery of one outbox event (one per subscription), with their attempts."""
    if await session.get(DomainEvent, event_id) is None:
        raise NotFound(f"no event {event_id}")
    rows = await session.execute(
        select(WebhookDelivery)
        .where(col(WebhookDelivery.event_id) == event_id)
        .order_by(col(WebhookDelivery.id))
    )
    return await _with_attempts(session, list(rows.scalars()))


async def get_delivery(session: AsyncSession, subscription_id: int, delivery_id: int) -> LoggedDelivery:
    """One delivery of a subscription, with its attempts."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise NotFound(f"no delivery {delivery_id} for webhook subscription {subscription_id}")
    return (await _with_attempts(session, [delivery]))[0]


async def redeliver_event(session: AsyncSession, subscription_id: int, event_id: int) -> WebhookDelivery:
    """Send one event to the subscription again (same `webhook-id`), or for the first time."""
    subscription = await get_subscription(session, subscription_id)
    if not subscription.active:
        raise Conflict("the subscription is disabled; enable it before redelivering to it")
    event = await session.get(DomainEvent, event_id)
    if event is None:
        raise NotFound(f"no event {event_id}")
    now = utcnow()
    delivery = (
        await session.execute(
            select(WebhookDelivery).where(
                col(WebhookDelivery.subscription_id) == subscription_id,
                col(WebhookDelivery.event_id) == event_id,
            )
        )
    ).scalar_one_or_none()
    if delivery is None:
        delivery = WebhookDelivery(
            subscription_id=subscription_id,
            event_id=event_id,
            event_type=event.type,
            report_id=event.report_id,
            msg_id=new_msg_id(),
            next_attempt_at=now,
            created_at=event.created_at,
        )
        session.add(delivery)
    else:
        reset_for_redelivery(delivery, now)
    await session.flush()
    return delivery


@dataclass(frozen=True)
class Replayed:
    """What a replay queued: failed deliveries sent again, and events never delivered at all."""

    failed: int
    missed: int


async def replay(session: AsyncSession, subscription_id: int, since: datetime) -> Replayed:
    """Queue every event of the subscription at or after `since` that did not reach it: each
    failed delivery is sent again (same `webhook-id`), and each event it wants that has no
    delivery to it (raised while it was disabled) gets one."""
    subscription = await get_subscription(session, subscription_id)
    if not subscription.active:
        raise Conflict("the subscription is disabled; enable it before replaying to it")
    now = utcnow()
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.subscription_id) == subscription_id,
            col(WebhookDelivery.status) == DeliveryStatus.failed.value,
            col(WebhookDelivery.created_at) >= since,
        )
        .values(status=DeliveryStatus.pending.value, attempts=0, next_attempt_at=now, finished_at=None)
        .execution_options(synchronize_session=False)
    )
    missed = await _queue_missed(session, subscription, max(since, subscription.created_at), now)
    return Replayed(failed=int(result.rowcount), missed=missed)  # type: ignore[attr-defined]


async def _queue_missed(
    session: AsyncSession, subscription: WebhookSubscription, since: datetime, now: datetime
) -> int:
    """A delivery, in event order, for each event since `since` of a type the subscription wants
    that it has none for. Events before the subscription existed were never its to miss."""
    events = DomainEvent.__table__  # type: ignore[attr-defined]
    deliveries = WebhookDelivery.__table__  # type: ignore[attr-defined]
    delivered = exists().where(
        deliveries.c.subscription_id == subscription.id, deliveries.c.event_id == events.c.id
    )
    rows = (
        sa.select(
            literal(subscription.id),
            events.c.id,
            events.c.type,
            events.c.report_id,
            NewMsgId(),
            literal(DeliveryStatus.pending.value),
            literal(0),
            literal(now, type_=deliveries.c.next_attempt_at.type),
            events.c.created_at,
        )
        .where(events.c.created_at >= since, ~delivered)
        .order_by(events.c.id)
    )
    wanted = decode_event_types(subscription.event_types)
    if wanted is not None:
        rows = rows.where(events.c.type.in_(wanted))
    columns = ("subscription_id", "event_id", "event_type", "report_id", "msg_id", "status", "attempts")
    names = (*columns, "next_attempt_at", "created_at")
    result = await session.execute(insert(deliveries).from_select([deliveries.c[n] for n in names], rows))
    return int(result.rowcount)  # type: ignore[attr-defined]
