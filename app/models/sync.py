"""Sync with national LAPOR: the pull cursor, the runs, and the durable push jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, text
from sqlmodel import Field, SQLModel

from app.models.enums import JobStatus, RegistrationState
from app.models.types import UTCDateTime, utcnow


class SyncCursor(SQLModel, table=True):
    """A named high-water mark (the pull's `updated_since`)."""

    __tablename__ = "sync_cursors"

    name: str = Field(primary_key=True, max_length=40)
    value: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SyncRun(SQLModel, table=True):
    """One pull, sweep or backfill: requested, running, succeeded or failed, with its counts."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16)
    requested_by: str | None = Field(default=None, max_length=64)
    cursor_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cursor_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    fetched: int = 0
    created: int = 0
    updated: int = 0
    follow_ups: int = 0
    conflicts: int = 0
    errors: int = 0
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PushJob(SQLModel, table=True):
    """A change to send upstream, written in the transaction of the change itself."""

    __tablename__ = "push_jobs"
    __table_args__ = (
        Index("ix_push_jobs_due", "status", "next_attempt_at"),
        Index("ix_push_jobs_report", "report_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", ondelete="CASCADE")
    event_id: int | None = Field(default=None, foreign_key="domain_events.id", ondelete="SET NULL")
    kind: str = Field(max_length=16)
    detail: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default=JobStatus.pending.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    resolutions: str | None = Field(default=None, sa_type=Text)
    """JSON list of what officials decided about an uncertain filing (`app.sync.resolution`)."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_REQUESTED = text(f"state = '{RegistrationState.requested.value}'")


class NationalRegistration(SQLModel, table=True):
    """A national complaint an official saw dispositioned to us upstream, for the pull to import.

    In poll mode the pull only reads complaints the store already links; this is how one filed
    by a citizen on national LAPOR becomes known (`app.sync.registration`).
    """

    __tablename__ = "national_registrations"
    __table_args__ = (
        Index("ix_national_registrations_state", "state", "id"),
        # One waiting registration per national complaint (a refused one may be registered again).
        Index(
            "uq_national_registrations_requested",
            "national_id",
            unique=True,
            postgresql_where=_REQUESTED,
            sqlite_where=_REQUESTED,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    national_id: int
    state: str = Field(default=RegistrationState.requested.value, max_length=16)
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    error: str | None = Field(default=None, sa_type=Text)
    """Why a `refused` or `failed` registration was not imported."""
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """How many pulls tried to read and apply it."""
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure: str | None = Field(default=None, sa_type=Text)
    """What went wrong the last time it was tried and left waiting (no personal data: a class, a status)."""
    report_id: int | None = Field(default=None, foreign_key="reports.id", ondelete="SET NULL")
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
