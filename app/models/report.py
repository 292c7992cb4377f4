"""The report aggregate: report, reporter, status events, follow-ups, ratings, attachments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class Report(SQLModel, table=True):
    """A complaint, aspiration or information request held by the regency."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_created", "created_at", "id"),
        Index("ix_reports_status_created", "status", "created_at", "id"),
        Index("ix_reports_agency_status_created", "agency_id", "status", "created_at", "id"),
        # Similar reports (app.reports.similar) read recent ones of a category from this alone.
        Index(
            "ix_reports_category_created",
            "category_id",
            "created_at",
            postgresql_include=["id", "title", "is_secret", "duplicate_of_id", "latitude", "longitude"],
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    tracking_number: str | None = Field(default=None, max_length=40, unique=True)
    kind: str = Field(max_length=24)
    title: str = Field(max_length=200)
    content: str = Field(sa_type=Text)
    category_id: int | None = Field(default=None, foreign_key="categories.id", index=True)
    district_code: str | None = Field(default=None, max_length=20, index=True)
    village_code: str | None = Field(default=None, max_length=20)
    latitude: float | None = None
    longitude: float | None = None
    incident_date: date | None = None
    channel: str = Field(max_length=16)
    is_anonymous: bool = False
    is_secret: bool = False
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    status: str = Field(max_length=16)
    origin: str = Field(max_length=16)
    filed_by_key_id: int | None = Field(default=None, foreign_key="api_keys.id", index=True)
    national_id: int | None = Field(default=None, unique=True)
    national_tracking_id: str | None = Field(default=None, max_length=40)
    national_status_code: str | None = Field(default=None, max_length=16)
    national_status_name: str | None = Field(default=None, max_length=80)
    national_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    national_log_seen: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Deadlines (docs/domain.md, "Deadlines"), recomputed on every move; milestones for the statistics.
    disposition_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    follow_up_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    auto_complete_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    resolution_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disposed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    followed_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    follow_up_working_days: int | None = None
    follow_up_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the follow-up count now running began (the last disposition or reopening)."""
    # The public lookup (app.public): the reporter's code, hashed; the report this one repeats.
    lookup_code_hash: str | None = Field(default=None, max_length=128)
    duplicate_of_id: int | None = Field(default=None, foreign_key="reports.id")
    # Filed through Open311 (app.open311): the place as the client wrote it, a picture's address.
    address_string: str | None = Field(default=None, max_length=500)
    media_url: str | None = Field(default=None, max_length=500)


class Reporter(SQLModel, table=True):
    """Who filed a report: personal data, kept apart from the report."""

    __tablename__ = "reporters"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", unique=True, ondelete="CASCADE")
    name: str | None = Field(default=None, max_length=200)
    nik: str | None = Field(default=None, max_length=16)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=500)


class StatusEvent(SQLModel, table=True):
    """One move of a report, written in the same transaction as the move."""

    __tablename__ = "status_events"
    __table_args__ = (Index("ix_status_events_report", "report_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", ondelete="CASCADE")
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    action: str = Field(max_length=24)
    actor: str = Field(max_length=64)
    reason: str | None = Field(default=None, sa_type=Text)
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    source: str = Field(default="local", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FollowUp(SQLModel, table=True):
    """An agency's follow-up (tindak lanjut) on a report."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_report", "report_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", ondelete="CASCADE")
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    content: str = Field(sa_type=Text)
    author: str = Field(max_length=64)
    source: str = Field(default="local", max_length=16)
    national_follow_up_id: int | None = Field(default=None, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Rating(SQLModel, table=True):
    """The reporter's rating of how the report was handled (one per report)."""

    __tablename__ = "ratings"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", unique=True, ondelete="CASCADE")
    score: int
    comment: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(SQLModel, table=True):
    """A file attached to a report, stored in the attachment folder."""

    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True, ondelete="CASCADE")
    file_name: str = Field(max_length=255)
    content_type: str = Field(max_length=64)
    size_bytes: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=128, unique=True)
    uploaded_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
