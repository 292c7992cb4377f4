"""Server-side sessions: a random token in the cookie, its SHA-256 in the table."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access.principals import Principal, principal_of_account
from app.models import Account, AccountSession
from app.models.types import utcnow

MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class Official:
    """A signed-in official: who, with which session and its CSRF token."""

    principal: Principal
    session_id: int
    csrf_token: str
    username: str


def hash_token(token: str) -> str:
    """The stored form of a session token (256 random bits: a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(session: AsyncSession, account: Account, lifetime: timedelta) -> str:
    """A new session for the account; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AccountSession(
            account_id=account.id or 0,
            token_hash=hash_token(token),
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.flush()
    return token


async def official_for(session: AsyncSession, token: str) -> Official | None:
    """The official behind a cookie's token: unexpired, not ended, account not disabled."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = (
        await session.execute(
            select(AccountSession, Account)
            .join(Account, col(Account.id) == col(AccountSession.account_id))
            .where(
                col(AccountSession.token_hash) == hash_token(token),
                col(AccountSession.ended_at).is_(None),
                col(AccountSession.expires_at) > utcnow(),
                col(Account.disabled_at).is_(None),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    stored, account = row
    return Official(principal_of_account(account), stored.id or 0, stored.csrf_token, account.username)


async def end_session(session: AsyncSession, session_id: int) -> None:
    """End one session now (sign-out)."""
    await session.execute(
        update(AccountSession)
        .where(col(AccountSession.id) == session_id, col(AccountSession.ended_at).is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def end_all_sessions(session: AsyncSession, account_id: int) -> None:
    """End every open session of an account now (password reset, disabling)."""
    await session.execute(
        update(AccountSession)
        .where(col(AccountSession.account_id) == account_id, col(AccountSession.ended_at).is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
