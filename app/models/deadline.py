"""Deadline breaches, recorded once each so `report.overdue` is emitted exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class DeadlineBreach(SQLModel, table=True):
    """A deadline of a report that passed before its milestone was reached."""

    __tablename__ = "deadline_breaches"
    __table_args__ = (UniqueConstraint("report_id", "deadline", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", ondelete="CASCADE")
    deadline: str = Field(max_length=24)
    due_at: datetime = Field(sa_type=UTCDateTime)
    detected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
