"""Officials' accounts for the workspace, their server-side sessions and failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class Account(SQLModel, table=True):
    """A person who signs in to the workspace; only the Argon2id hash of the password is kept."""

    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    email: str | None = Field(default=None, max_length=254, unique=True)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=16)
    agency_id: int | None = Field(default=None, foreign_key="agencies.id")
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, this row only its SHA-256."""

    __tablename__ = "account_sessions"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignInFailure(SQLModel, table=True):
    """One wrong password, counted per account and per client address for the rate limit."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_scope_at", "scope", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
