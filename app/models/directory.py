"""Agencies (OPD) and categories: the regency's own directories."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class Agency(SQLModel, table=True):
    """An organisation unit (OPD) that reports are dispositioned to."""

    __tablename__ = "agencies"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    national_institution_id: int | None = Field(default=None, index=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Category(SQLModel, table=True):
    """A subject category (infrastructure, health, ...)."""

    __tablename__ = "categories"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    national_category_id: int | None = Field(default=None)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
