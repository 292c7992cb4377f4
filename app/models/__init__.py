"""Table models only; importing this package registers every table on the metadata."""

from app.models.api_key import ApiKey
from app.models.directory import Agency, Category
from app.models.outbox import DomainEvent, IdempotencyRecord
from app.models.report import (
    Attachment,
    FollowUp,
    Rating,
    Report,
    Reporter,
    StatusEvent,
)
from app.models.types import SQLModel

__all__ = [
    "Agency",
    "ApiKey",
    "Attachment",
    "Category",
    "DomainEvent",
    "FollowUp",
    "IdempotencyRecord",
    "Rating",
    "Report",
    "Reporter",
    "StatusEvent",
    "metadata",
]
metadata = SQLModel.metadata
