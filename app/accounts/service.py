"""Creating accounts, resetting passwords, disabling them. Never commits: callers do."""

from __future__ import annotations

import re

from sqlalchemy import false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.accounts.passwords import check_strength, hash_password
from app.accounts.sessions import end_all_sessions
from app.core.errors import Conflict, NotFound, Unprocessable
from app.models import Account
from app.models.enums import Role
from app.models.types import utcnow
from app.reports.directory import agency_of_role

# Intake is for systems that file reports: they keep API keys.
ACCOUNT_ROLES = frozenset({Role.admin, Role.coordinator, Role.agency, Role.viewer})
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


def normal_username(raw: str) -> str:
    """The stored form of a username: trimmed and lower-case."""
    return raw.strip().lower()


def _check_fields(name: str, display_name: str, role: Role) -> None:
    """Refuse a malformed username or display name, or a role that only API keys have."""
    if not USERNAME.fullmatch(name):
        raise Unprocessable(
            "a username is 2-64 of a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
        )
    if role not in ACCOUNT_ROLES:
        raise Unprocessable(f"accounts may not have the role {role.value!r} (systems use API keys)")
    if not display_name.strip() or len(display_name) > 120:
        raise Unprocessable("a display name of 1-120 characters is needed")


async def create_account(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    agency_code: str | None = None,
    email: str | None = None,
) -> Account:
    """A new account with an Argon2id-hashed password; refuses a taken username or e-mail."""
    name = normal_username(username)
    _check_fields(name, display_name, role)
    check_strength(password)
    agency_id = await agency_of_role(session, role, agency_code, holder="account")
    mail = email.strip().lower() if email and email.strip() else None
    taken = await session.execute(
        select(col(Account.id)).where(
            or_(col(Account.username) == name, col(Account.email) == mail if mail else false())
        )
    )
    if taken.first() is not None:
        raise Conflict("an account with this username or e-mail already exists")
    account = Account(
        username=name,
        email=mail,
        display_name=display_name.strip(),
        role=role.value,
        agency_id=agency_id,
        password_hash=await hash_password(password),
    )
    session.add(account)
    await session.flush()
    return account


async def _existing(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    return account


async def reset_password(session: AsyncSession, account_id: int, password: str) -> Account:
    """Set a new password and end every session of the account at once."""
    check_strength(password)
    account = await _existing(session, account_id)
    new_hash = await hash_password(password)
    await session.execute(
        update(Account)
        .where(col(Account.id) == account_id)
        .values(password_hash=new_hash, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await end_all_sessions(session, account_id)
    await session.refresh(account)
    return account


async def disable_account(session: AsyncSession, account_id: int) -> Account:
    """Disable an account and end its sessions at once; it can no longer sign in."""
    account = await _existing(session, account_id)
    if account.disabled_at is None:
        now = utcnow()
        await session.execute(
            update(Account)
            .where(col(Account.id) == account_id)
            .values(disabled_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    await end_all_sessions(session, account_id)
    await session.refresh(account)
    return account


async def list_accounts(session: AsyncSession) -> list[Account]:
    """Every account, oldest first."""
    return list((await session.execute(select(Account).order_by(col(Account.id)))).scalars())
