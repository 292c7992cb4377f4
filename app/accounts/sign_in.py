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
SCOPE_LENGTH = 200  # sign_in_failures.scope


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


def scopes(login: str, address: str, account: Account | None = None) -> Scopes:
    """The counter names of an attempt: the account (whichever of its names was typed) or, for no
    account, the login as typed (normalised); and the client address."""
    who = f"account:{account.id}" if account is not None else f"login:{normal_username(login)}"
    return Scopes(who[:SCOPE_LENGTH], f"address:{address[: SCOPE_LENGTH - 8]}")


async def _check_limit(session: AsyncSession, names: Scopes, policy: SignInPolicy, own: int = 0) -> None:
    """Raise `SignInLimited` when a counter holds more failures in the window than its limit
    allows; `own` is how many of them are this attempt's (already counted)."""
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
        if count - own >= limit:
            if isinstance(oldest, str):  # SQLite aggregates come back as text (naive UTC)
                oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
            raise SignInLimited(max(int((oldest + policy.window - utcnow()).total_seconds()) + 1, 1))


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt under way, counted as a failure until its password proves right."""

    names: Scopes
    account: Account | None
    address_failure_id: int


async def _account_named(session: AsyncSession, login: str) -> Account | None:
    """The enabled account whose username or e-mail this is."""
    name = normal_username(login)
    if not name or len(name) > MAX_LOGIN_LENGTH:
        return None
    query = select(Account).where(
        or_(col(Account.username) == name, col(Account.email) == name), col(Account.disabled_at).is_(None)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def begin_attempt(session: AsyncSession, login: str, address: str, policy: SignInPolicy) -> Attempt:
    """Refuse (`SignInLimited`) while either counter is at its limit; otherwise count this attempt
    as a failure before its password is checked. The caller commits before `finish_attempt`, so
    attempts made at the same moment see each other and never check more passwords than allowed.
    """
    account = await _account_named(session, login)
    names = scopes(login, address, account)
    await _check_limit(session, names, policy)
    now = utcnow()
    # Old failures count for nothing: drop this attempt's expired ones as the new ones go in.
    await session.execute(
        delete(SignInFailure).where(
            col(SignInFailure.scope).in_([names.account, names.address]),
            col(SignInFailure.created_at) <= now - policy.window,
        )
    )
    by_address = SignInFailure(scope=names.address, created_at=now)
    session.add_all([SignInFailure(scope=names.account, created_at=now), by_address])
    await session.flush()
    return Attempt(names, account, by_address.id or 0)


async def finish_attempt(
    session: AsyncSession, attempt: Attempt, password: str, policy: SignInPolicy
) -> Account | None:
    """The account the password opens, or None (the attempt stays counted as a failure).

    Raises `SignInLimited` if attempts made at the same time took a counter past its limit, so
    even the right password is refused until the window has passed. On success the account's
    failures, and this attempt's count against the address, are cleared.
    """
    await _check_limit(session, attempt.names, policy, own=1)
    account = attempt.account
    if not await verify_password(account.password_hash if account else None, password):
        return None
    await session.execute(
        delete(SignInFailure).where(
            or_(
                col(SignInFailure.scope) == attempt.names.account,
                col(SignInFailure.id) == attempt.address_failure_id,
            )
        )
    )
    return account
