"""Webhook subscriptions, their deliveries (one per subscription and event) and the attempt log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class DeliveryStatus(StrEnum):
    """Where a delivery stands: still to send (or retrying), done, or given up."""

    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


_PENDING = text(f"status = '{DeliveryStatus.pending.value}'")


class WebhookSubscription(SQLModel, table=True):
    """A regency system that wants to hear about report events at a URL."""

    __tablename__ = "webhook_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    # A JSON list of event types, or NULL for every type.
    event_types: str | None = Field(default=None, sa_type=Text)
    description: str | None = Field(default=None, max_length=500)
    active: bool = Field(default=True)
    disabled_reason: str | None = Field(default=None, max_length=300)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    secret: str = Field(max_length=100)
    # After a rotation the previous secret keeps signing, beside the new one, until this time.
    previous_secret: str | None = Field(default=None, max_length=100)
    previous_secret_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The first failure since the last success; a subscription failing for too long is disabled.
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookDelivery(SQLModel, table=True):
    """One event to send to one subscription, with its retry state."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The claim reads pending deliveries only: partial indexes stay small however long the
        # log grows, and keep the plan sound before the table has statistics (a burst into a
        # fresh table otherwise turns the per-report order check into a scan per candidate).
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            "id",
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
        Index(
            "ix_webhook_deliveries_pending_order",
            "subscription_id",
            "report_id",
            "id",
            postgresql_where=_PENDING,
            sqlite_where=_PENDING,
        ),
        # A subscription's delivery log, newest first.
        Index("ix_webhook_deliveries_log", "subscription_id", "id"),
        UniqueConstraint("msg_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="webhook_subscriptions.id", ondelete="CASCADE")
    # NULL for a test ping, which is no domain event.
    event_id: int | None = Field(default=None, foreign_key="domain_events.id", ondelete="CASCADE", index=True)
    event_type: str = Field(max_length=40)
    report_id: int | None = Field(default=None)
    # The Standard Webhooks `webhook-id`: the same on every attempt of this delivery.
    msg_id: str = Field(max_length=40)
    status: str = Field(default=DeliveryStatus.pending.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    """One HTTP request made for a delivery, as the receiver answered it."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_deliveries.id", ondelete="CASCADE")
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = Field(default=None)
    duration_ms: int = Field(default=0)
    error: str | None = Field(default=None, max_length=500)
    # The start of the receiver's answer, cut to 2 KB.
    response_body: str | None = Field(default=None, sa_type=Text)
