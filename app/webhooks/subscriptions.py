"""Managing subscriptions: create, change, disable, enable, rotate, ping. Never commits: callers do."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from app.core.errors import Conflict, NotFound, Unprocessable
from app.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.models.types import utcnow
from app.webhooks.fanout import encode_event_types
from app.webhooks.safety import DestinationPolicy
from app.webhooks.signing import PING_EVENT, new_msg_id, new_secret

log = logging.getLogger("app.webhooks")


async def get_subscription(session: AsyncSession, subscription_id: int) -> WebhookSubscription:
    """The subscription, or `NotFound`."""
    subscription = await session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return subscription


async def list_subscriptions(session: AsyncSession) -> list[WebhookSubscription]:
    """Every subscription, oldest first."""
    return list(
        (await session.execute(select(WebhookSubscription).order_by(col(WebhookSubscription.id)))).scalars()
    )


async def create_subscription(
    session: AsyncSession,
    policy: DestinationPolicy,
    *,
    url: str,
    event_types: list[str] | None,
    description: str | None,
) -> WebhookSubscription:
    """A new active subscription with a fresh secret, once its URL passes the destination rules."""
    await policy.check(url)
    subscription = WebhookSubscription(
        url=url,
        event_types=encode_event_types(event_types),
        description=description,
        secret=new_secret(),
    )
    session.add(subscription)
    await session.flush()
    log.info("webhook subscription %d created", subscription.id)
    return subscription


async def update_subscription(
    session: AsyncSession,
    policy: DestinationPolicy,
    subscription_id: int,
    changes: dict[str, object],
) -> WebhookSubscription:
    """Change the URL, the event types or the description (only the keys given)."""
    subscription = await get_subscription(session, subscription_id)
    if "url" in changes:
        if changes["url"] is None:
            raise Unprocessable("a subscription needs a URL; delete it instead")
        url = str(changes["url"])
        await policy.check(url)
        subscription.url = url
    if "event_types" in changes:
        types = changes["event_types"]
        subscription.event_types = encode_event_types(list(types) if isinstance(types, list) else None)
    if "description" in changes:
        description = changes["description"]
        subscription.description = str(description) if description is not None else None
    subscription.updated_at = utcnow()
    await session.flush()
    return subscription


async def set_active(
    session: AsyncSession, subscription_id: int, active: bool, reason: str | None = None
) -> WebhookSubscription:
    """Disable (with a reason) or enable a subscription; enabling starts a fresh failure count."""
    subscription = await get_subscription(session, subscription_id)
    now = utcnow()
    subscription.active = active
    subscription.updated_at = now
    if active:
        subscription.disabled_reason = None
        subscription.disabled_at = None
        subscription.failing_since = None
    elif subscription.disabled_at is None or reason:
        subscription.disabled_reason = reason or "disabled by an admin"
        subscription.disabled_at = now
    await session.flush()
    log.info("webhook subscription %d %s", subscription_id, "enabled" if active else "disabled")
    return subscription


async def delete_subscription(session: AsyncSession, subscription_id: int) -> None:
    """Delete a subscription with its deliveries and their attempt log."""
    subscription = await get_subscription(session, subscription_id)
    await session.delete(subscription)
    await session.flush()
    log.info("webhook subscription %d deleted", subscription_id)


async def rotate_secret(
    session: AsyncSession, subscription_id: int, overlap: timedelta
) -> tuple[WebhookSubscription, str]:
    """A new secret; the current one keeps signing beside it for `overlap`."""
    subscription = await get_subscription(session, subscription_id)
    now = utcnow()
    secret = new_secret()
    subscription.previous_secret = subscription.secret if overlap.total_seconds() > 0 else None
    subscription.previous_secret_until = now + overlap if overlap.total_seconds() > 0 else None
    subscription.secret = secret
    subscription.updated_at = now
    await session.flush()
    log.info("webhook subscription %d: secret rotated", subscription_id)
    return subscription, secret


async def queue_ping(session: AsyncSession, subscription_id: int) -> WebhookDelivery:
    """A `webhook.ping` delivery, sent by the worker like any event."""
    subscription = await get_subscription(session, subscription_id)
    if not subscription.active:
        raise Conflict("the subscription is disabled; enable it before pinging it")
    now = utcnow()
    delivery = WebhookDelivery(
        subscription_id=subscription_id,
        event_type=PING_EVENT,
        msg_id=new_msg_id(),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return delivery


def reset_for_redelivery(delivery: WebhookDelivery, now: datetime) -> None:
    """Send a delivery again from the first attempt, with the same `webhook-id`."""
    delivery.status = DeliveryStatus.pending.value
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.finished_at = None
    # `claimed_until` stays: an attempt still in flight keeps its lease, so it is not sent twice.
