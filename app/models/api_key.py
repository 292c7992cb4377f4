"""API keys: random, shown once, stored hashed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class ApiKey(SQLModel, table=True):
    """A caller's key; only the SHA-256 of the secret is kept."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    role: str = Field(max_length=16)
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    key_prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
