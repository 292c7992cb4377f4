"""Fan-out: each outbox event becomes one delivery per active subscription that wants it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.reports.events import OutboxEvent
from app.webhooks.signing import new_msg_id


def encode_event_types(event_types: list[str] | None) -> str | None:
    """How a subscription's event types are stored (None: every type)."""
    return orjson.dumps(sorted(set(event_types))).decode() if event_types else None


def decode_event_types(stored: str | None) -> list[str] | None:
    """A subscription's event types as a list (None: every type)."""
    if not stored:
        return None
    types: list[str] = orjson.loads(stored)
    return types


@dataclass(frozen=True)
class WebhookSink:
    """The outbox sink of webhooks; it has no state, so registering it twice keeps one."""

    def filing_sql(self) -> str:
        """`publish` for a new local report, as a CTE of the filing statement (PostgreSQL)."""
        return _FILING_SQL

    async def publish(self, session: AsyncSession, events: list[OutboxEvent]) -> None:
        """Write the deliveries of the events, in the transaction of the change that caused them."""
        if not events:
            return
        subscriptions = (
            await session.execute(
                select(col(WebhookSubscription.id), col(WebhookSubscription.event_types)).where(
                    col(WebhookSubscription.active).is_(True)
                )
            )
        ).all()
        if not subscriptions:
            return
        wanted = [(row.id, _type_filter(row.event_types)) for row in subscriptions]
        rows: list[dict[str, Any]] = [
            {
                "subscription_id": subscription_id,
                "event_id": event.id,
                "event_type": event.type,
                "report_id": event.report_id,
                "msg_id": new_msg_id(),
                "status": DeliveryStatus.pending.value,
                "attempts": 0,
                "next_attempt_at": event.created_at,
                "created_at": event.created_at,
            }
            for event in events
            for subscription_id, types in wanted
            if types is None or event.type in types
        ]
        if rows:
            await session.execute(insert(WebhookDelivery), rows)


# What `publish` writes for one event, as SQL: a delivery per active subscription that wants the
# event's type (no stored types: every type), each with its own `msg_` + 24 hex digits.
_FILING_SQL = (
    "webhook_deliveries AS (INSERT INTO webhook_deliveries (subscription_id, event_id, event_type,"
    " report_id, msg_id, status, attempts, next_attempt_at, created_at)"
    " SELECT s.id, e.id, e.type, e.report_id,"
    " 'msg_' || left(replace(gen_random_uuid()::text, '-', ''), 24), 'pending', 0,"
    " e.created_at, e.created_at"
    " FROM event e JOIN webhook_subscriptions s ON s.active"
    " AND (coalesce(s.event_types, '') = '' OR s.event_types::jsonb ? e.type))"
)


def _type_filter(stored: str | None) -> frozenset[str] | None:
    types = decode_event_types(stored)
    return frozenset(types) if types is not None else None
