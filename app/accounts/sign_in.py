"""Signing in with a username (or e-mail) and password, rate limited per account and address, or
per device for a browser with a valid device cookie (`app.accounts.devices`).

An attempt from a browser without a valid device cookie for the account is *untrusted*: its wrong
passwords count against the account (whichever of its names was typed; a name no account has is
counted as typed) and against the client address. An attempt with a valid device cookie counts
against that device only, with the account's limit, so guessing from elsewhere cannot lock the
official out of their own browser. A device at its limit is treated as untrusted for the rest of
the window: its attempts fall back to the account's and the address's counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.accounts.devices import DeviceCookies
from app.accounts.passwords import verify_password
from app.accounts.service import normal_username
from app.core.config import Settings
from app.models import Account, SignInFailure
from app.models.types import utcnow

MAX_LOGIN_LENGTH = 254
SCOPE_LENGTH = 200  # sign_in_failures.scope


@dataclass(frozen=True)
class SignInPolicy:
    """How many wrong passwords an account, a device and a client address may have within the
    window, and the device cookies that make a browser trusted (None: no browser is)."""

    window: timedelta = timedelta(minutes=15)
    per_account: int = 5
    per_address: int = 20
    devices: DeviceCookies | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInPolicy:
        """The policy of SIGN_IN_WINDOW_MINUTES, SIGN_IN_MAX_FAILURES_PER_ACCOUNT/_ADDRESS and
        SIGN_IN_DEVICE_DAYS, its device cookies keyed by SECRET_KEY."""
        devices = DeviceCookies.of_secret(
            settings.secret_key.get_secret_value(), timedelta(days=settings.sign_in_device_days)
        )
        return cls(
            timedelta(minutes=settings.sign_in_window_minutes),
            settings.sign_in_max_failures_per_account,
            settings.sign_in_max_failures_per_address,
            devices,
        )


class SignInLimited(Exception):
    """Too many wrong passwords lately for this account, device or address."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Counter:
    """One counter of wrong passwords (`sign_in_failures.scope`) and how many it may hold."""

    scope: str
    limit: int


def untrusted_counters(
    login: str, address: str, policy: SignInPolicy, account: Account | None = None
) -> tuple[Counter, Counter]:
    """The counters of an attempt without a valid device cookie: the account (whichever of its
    names was typed) or, for no account, the login as typed (normalised); and the client address."""
    who = f"account:{account.id}" if account is not None else f"login:{normal_username(login)}"
    return (
        Counter(who[:SCOPE_LENGTH], policy.per_account),
        Counter(f"address:{address[: SCOPE_LENGTH - 8]}", policy.per_address),
    )


async def _check_limit(
    session: AsyncSession, counters: tuple[Counter, ...], policy: SignInPolicy, own: int = 0
) -> None:
    """Raise `SignInLimited` when a counter holds more failures in the window than its limit
    allows; `own` is how many of them are this attempt's (already counted)."""
    limits = {counter.scope: counter.limit for counter in counters}
    since = utcnow() - policy.window
    rows = (
        await session.execute(
            select(col(SignInFailure.scope), func.count(), func.min(SignInFailure.created_at))
            .where(col(SignInFailure.scope).in_(list(limits)))
            .where(col(SignInFailure.created_at) > since)
            .group_by(col(SignInFailure.scope))
        )
    ).all()
    for scope, count, oldest in rows:
        if count - own >= limits[scope]:
            if isinstance(oldest, str):  # SQLite aggregates come back as text (naive UTC)
                oldest = datetime.fromisoformat(oldest).replace(tzinfo=UTC)
            raise SignInLimited(max(int((oldest + policy.window - utcnow()).total_seconds()) + 1, 1))


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt under way, counted as a failure until its password proves right."""

    counters: tuple[Counter, ...]
    account: Account | None
    failure_ids: tuple[int, ...]
    """This attempt's own rows, one per counter."""


async def _account_named(session: AsyncSession, login: str) -> Account | None:
    """The enabled account whose username or e-mail this is."""
    name = normal_username(login)
    if not name or len(name) > MAX_LOGIN_LENGTH:
        return None
    query = select(Account).where(
        or_(col(Account.username) == name, col(Account.email) == name), col(Account.disabled_at).is_(None)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _counters(
    session: AsyncSession,
    login: str,
    address: str,
    account: Account | None,
    cookie: str | None,
    policy: SignInPolicy,
) -> tuple[Counter, ...]:
    """The counters this attempt goes against, once none of them is at its limit: its device's,
    if its cookie is valid for the account and the device is under its limit; else the untrusted
    ones. Raises `SignInLimited` when the untrusted ones are at their limit."""
    nonce = None
    if account is not None and account.id is not None and policy.devices is not None:
        nonce = policy.devices.nonce_for(cookie, account.id, utcnow())
    if nonce is not None:
        device = (Counter(f"device:{nonce}", policy.per_account),)
        try:
            await _check_limit(session, device, policy)
            return device
        except SignInLimited:
            pass  # untrusted for the rest of the window
    untrusted = untrusted_counters(login, address, policy, account)
    await _check_limit(session, untrusted, policy)
    return untrusted


async def begin_attempt(
    session: AsyncSession, login: str, address: str, policy: SignInPolicy, device_cookie: str | None = None
) -> Attempt:
    """Refuse (`SignInLimited`) while the attempt's counters are at their limit (see `_counters`);
    otherwise count this attempt as a failure before its password is checked. The caller commits
    before `finish_attempt`, so attempts made at the same moment see each other and never check
    more passwords than allowed. A device cookie that is not valid for the account is ignored.
    """
    account = await _account_named(session, login)
    counters = await _counters(session, login, address, account, device_cookie, policy)
    now = utcnow()
    # Old failures count for nothing: drop this attempt's expired ones as the new ones go in.
    await session.execute(
        delete(SignInFailure).where(
            col(SignInFailure.scope).in_([counter.scope for counter in counters]),
            col(SignInFailure.created_at) <= now - policy.window,
        )
    )
    failures = [SignInFailure(scope=counter.scope, created_at=now) for counter in counters]
    session.add_all(failures)
    await session.flush()
    return Attempt(counters, account, tuple(failure.id or 0 for failure in failures))


async def finish_attempt(
    session: AsyncSession, attempt: Attempt, password: str, policy: SignInPolicy
) -> Account | None:
    """The account the password opens, or None (the attempt stays counted as a failure).

    Raises `SignInLimited` if attempts made at the same time took a counter past its limit, so
    even the right password is refused until the window has passed. On success the failures of
    the first counter (the device's, or the account's) and this attempt's own are cleared: a
    device's success leaves the account's failures counted.
    """
    await _check_limit(session, attempt.counters, policy, own=1)
    account = attempt.account
    if not await verify_password(account.password_hash if account else None, password):
        return None
    await session.execute(
        delete(SignInFailure).where(
            or_(
                col(SignInFailure.scope) == attempt.counters[0].scope,
                col(SignInFailure.id).in_(attempt.failure_ids),
            )
        )
    )
    return account
