"""Operational tables: worker heartbeats and per-key request counters (shared by all processes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class WorkerHeartbeat(SQLModel, table=True):
    """How each job loop of each worker is doing, written by the worker every few seconds."""

    __tablename__ = "worker_heartbeats"

    worker_id: str = Field(primary_key=True, max_length=80)
    job: str = Field(primary_key=True, max_length=40)
    runs: int = 0
    items: int = 0
    failures: int = 0
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RateCounter(SQLModel, table=True):
    """Requests of one key in one minute (the per-key rate limit, shared by every API process)."""

    __tablename__ = "rate_counters"

    api_key_id: int = Field(primary_key=True, foreign_key="api_keys.id", ondelete="CASCADE")
    window_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    count: int = 0


class PublicRateCounter(SQLModel, table=True):
    """Public lookups from one client address (hashed) in one minute."""

    __tablename__ = "public_rate_counters"

    address_hash: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    count: int = 0
