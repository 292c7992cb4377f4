"""Idempotency records and the domain-event outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class IdempotencyRecord(SQLModel, table=True):
    """The first answer to a request carrying an `Idempotency-Key`, kept to replay it."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("api_key_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_keys.id")
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    report_id: int = Field(foreign_key="reports.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class DomainEvent(SQLModel, table=True):
    """An event written in the transaction of the change that caused it (the outbox)."""

    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_report", "report_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(max_length=40)
    report_id: int | None = Field(default=None, foreign_key="reports.id", ondelete="CASCADE")
    payload: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
