"""Signing in with a username (or e-mail) and password, rate limited per account and address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.accounts.passwords import verify_password
from app.accounts.service import normal_username
from app.core.config import Settings
from app.models import Account, SignInFailure
from app.models.types import utcnow

MAX_LOGIN_LENGTH = 254


@dataclass(frozen=True)
class SignInPolicy:
    """How many wrong passwords an account and a client address may have within the window."""

    window: timedelta = timedelta(minutes=15)
    per_account: int = 5
    per_address: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInPolicy:
        """The policy of SIGN_IN_WINDOW_MINUTES and SIGN_IN_MAX_FAILURES_PER_ACCOUNT/_ADDRESS."""
        return cls(
            timedelta(minutes=settings.sign_in_window_minutes),
            settings.sign_in_max_failures_per_account,
            settings.sign_in_max_failures_per_address,
        )


class SignInLimited(Exception):
    """Too many wrong passwords lately for this account or this address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Scopes:
    """The two counters one attempt is checked against."""

    account: str
    address: str


def scopes(login: str, address: str) -> Scopes:
    """The counter names of an attempt: the login as typed (normalised) and the client address."""
    return Scopes(f"account:{normal_username(login)[:MAX_LOGIN_LENGTH]}", f"address:{address[:180]}")


async def _check_limit(session: AsyncSession, names: Scopes, policy: SignInPolicy) -> None:
    since = utcnow() - policy.window
    rows = (
        await session.execute(
            select(col(SignInFailure.scope), func.count(), func.min(SignInFailure.created_at))
            .where(col(SignInFailure.scope).in_([names.account, names.address]))
            .where(col(SignInFailure.created_at) > since)
            .group_by(col(SignInFailure.scope))
        )
    ).all()
    for scope, count, oldest in rows:
        limit = policy.per_account if scope == names.account else policy.per_address
        if count >= limit:
            if isinstance(oldest, str):  # SQLite aggregates come back as text (naive UTC)
                oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
            raise SignInLimited(max(int((oldest + policy.window - utcnow()).total_seconds()) + 1, 1))


async def authenticate(
    session: AsyncSession, login: str, password: str, address: str, policy: SignInPolicy
) -> Account | None:
    """The account a username or e-mail and password open, or None (the failure is counted).

    Raises `SignInLimited` before checking the password while either counter is over its limit,
    so even the right password is refused until the window has passed.
    """
    names = scopes(login, address)
    await _check_limit(session, names, policy)
    name = normal_username(login)
    account = None
    if name and len(name) <= MAX_LOGIN_LENGTH:
        account = (
            await session.execute(
                select(Account).where(
                    or_(col(Account.username) == name, col(Account.email) == name),
                    col(Account.disabled_at).is_(None),
                )
            )
        ).scalar_one_or_none()
    if await verify_password(account.password_hash if account else None, password):
        await session.execute(delete(SignInFailure).where(col(SignInFailure.scope) == names.account))
        return account
    now = utcnow()
    # Old failures count for nothing: drop this attempt's expired ones as the new ones go in.
    await session.execute(
        delete(SignInFailure).where(
            col(SignInFailure.scope).in_([names.account, names.address]),
            col(SignInFailure.created_at) <= now - policy.window,
        )
    )
    session.add_all(
        [
            SignInFailure(scope=names.account, created_at=now),
            SignInFailure(scope=names.address, created_at=now),
        ]
    )
    await session.flush()
    return None
