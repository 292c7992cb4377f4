"""The shapes of the webhook API: subscriptions, secrets, deliveries and their attempts."""

from __future__ import annotations

from datetime import datetime

from pydantic import AnyUrl, BaseModel, ConfigDict, Field

from app.api.value_schemas import StorableInstant
from app.models import DeliveryStatus, WebhookSubscription
from app.reports.events import EventType
from app.webhooks.delivery_log import LoggedDelivery
from app.webhooks.fanout import decode_event_types


class SubscriptionCreate(BaseModel):
    """A new subscription; `event_types` omitted or null means every event type."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: AnyUrl = Field(description="https URL receiving POSTs (plain http only to allowlisted hosts)")
    event_types: list[EventType] | None = Field(None, min_length=1)
    description: str | None = Field(None, max_length=500)


class SubscriptionUpdate(BaseModel):
    """Changes to a subscription; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: AnyUrl | None = None
    event_types: list[EventType] | None = Field(None, min_length=1, description="null: every type")
    description: str | None = Field(None, max_length=500)


class DisableRequest(BaseModel):
    """Why a subscription is being disabled."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str | None = Field(None, max_length=300)


class SubscriptionOut(BaseModel):
    """A subscription as listed: never its secret."""

    id: int
    url: str
    event_types: list[str] | None = Field(description="null: every event type")
    description: str | None
    active: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    previous_secret_valid_until: datetime | None
    failing_since: datetime | None
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionOut):
    """A new subscription, with its signing secret shown this once."""

    secret: str


class SecretRotated(BaseModel):
    """The new signing secret, shown this once; the old one signs too until the time given."""

    id: int
    secret: str
    previous_secret_valid_until: datetime | None


class AttemptOut(BaseModel):
    """One HTTP request of a delivery."""

    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_body: str | None = Field(description="The start of the receiver's answer, at most 2 KB")


class DeliveryOut(BaseModel):
    """One event to one subscription: its state and every attempt."""

    id: int
    subscription_id: int
    msg_id: str = Field(description="The `webhook-id` header, the same on every attempt")
    event_id: int | None
    event_type: str
    report_id: int | None
    status: DeliveryStatus
    attempts: int = Field(description="Attempts in the current round (a redelivery starts a new round)")
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    attempt_log: list[AttemptOut]


class DeliveryPage(BaseModel):
    """A page of a subscription's deliveries, newest first."""

    items: list[DeliveryOut]
    next_cursor: int | None = Field(description="Pass as `before` for the next page")


class ReplayRequest(BaseModel):
    """Since when to send again what did not reach the subscription."""

    model_config = ConfigDict(extra="forbid")

    since: StorableInstant = Field(
        description="Events at or after this time (ISO 8601 with offset, 1900-01-01 to 9000-01-01)"
    )


class ReplayOut(BaseModel):
    """How many deliveries were queued: all of them, and of those the events never delivered."""

    replayed: int = Field(description="Deliveries queued: failed ones sent again plus `missed`")
    missed: int = Field(
        description="Events raised while the subscription was disabled, queued for the first time"
    )


def subscription_out(row: WebhookSubscription) -> SubscriptionOut:
    """A subscription in the API's shape (never its secret)."""
    return SubscriptionOut(
        id=row.id or 0,
        url=row.url,
        event_types=decode_event_types(row.event_types),
        description=row.description,
        active=row.active,
        disabled_reason=row.disabled_reason,
        disabled_at=row.disabled_at,
        previous_secret_valid_until=row.previous_secret_until if row.previous_secret else None,
        failing_since=row.failing_since,
        last_success_at=row.last_success_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def delivery_out(logged: LoggedDelivery) -> DeliveryOut:
    """A delivery with its attempts, in the API's shape."""
    d = logged.delivery
    return DeliveryOut(
        id=d.id or 0,
        subscription_id=d.subscription_id,
        msg_id=d.msg_id,
        event_id=d.event_id,
        event_type=d.event_type,
        report_id=d.report_id,
        status=DeliveryStatus(d.status),
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.status == DeliveryStatus.pending.value else None,
        last_attempt_at=d.last_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=d.created_at,
        finished_at=d.finished_at,
        attempt_log=[
            AttemptOut(
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                duration_ms=a.duration_ms,
                error=a.error,
                response_body=a.response_body,
            )
            for a in logged.attempts
        ],
    )
