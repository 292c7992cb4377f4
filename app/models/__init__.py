"""Table models only; importing this package registers every table on the metadata."""

from sqlmodel import SQLModel

from app.models.account import Account, AccountSession, SignInFailure
from app.models.api_key import ApiKey
from app.models.deadline import DeadlineBreach
from app.models.directory import Agency, Category
from app.models.ops import PublicRateCounter, RateCounter, WorkerHeartbeat
from app.models.outbox import DomainEvent, IdempotencyRecord
from app.models.report import (
    Attachment,
    FollowUp,
    Rating,
    Report,
    Reporter,
    StatusEvent,
)
from app.models.sync import NationalRegistration, PushJob, SyncCursor, SyncRun
from app.models.webhook import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "Account",
    "AccountSession",
    "Agency",
    "ApiKey",
    "Attachment",
    "Category",
    "DeadlineBreach",
    "DeliveryStatus",
    "DomainEvent",
    "FollowUp",
    "IdempotencyRecord",
    "NationalRegistration",
    "PublicRateCounter",
    "PushJob",
    "RateCounter",
    "Rating",
    "Report",
    "Reporter",
    "SignInFailure",
    "StatusEvent",
    "SyncCursor",
    "SyncRun",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkerHeartbeat",
    "metadata",
]
metadata = SQLModel.metadata
