"""Officials' accounts (admin only); the same operations as `lapor-bridge account`."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.accounts.passwords import MAX_LENGTH
from app.accounts.service import create_account, disable_account, list_accounts, reset_password
from app.api.deps import AdminKey, IdPath, SessionDep
from app.api.render import agency_codes
from app.models import Account
from app.models.enums import Role

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


class AccountCreate(BaseModel):
    """An account to make for an official."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(min_length=1, max_length=120)
    role: Role = Field(description="admin, coordinator, agency or viewer (systems use API keys).")
    password: str = Field(min_length=1, max_length=MAX_LENGTH, description="At least 12 characters.")
    agency_code: str | None = Field(None, max_length=32, description="Required for role `agency`.")
    email: EmailStr | None = Field(None, max_length=254, description="May be used to sign in instead.")


class PasswordReset(BaseModel):
    """A new password; every session of the account ends at once."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=MAX_LENGTH)


class AccountOut(BaseModel):
    """An account as listed: never its password hash."""

    id: int
    username: str
    email: str | None
    display_name: str
    role: Role
    agency: str | None
    created_at: datetime
    disabled_at: datetime | None


async def _out(session: SessionDep, rows: list[Account]) -> list[AccountOut]:
    codes = await agency_codes(session, {a.agency_id for a in rows if a.agency_id})
    return [
        AccountOut(
            id=a.id or 0,
            username=a.username,
            email=a.email,
            display_name=a.display_name,
            role=Role(a.role),
            agency=codes.get(a.agency_id) if a.agency_id else None,
            created_at=a.created_at,
            disabled_at=a.disabled_at,
        )
        for a in rows
    ]


@router.post("", response_model=AccountOut, status_code=status.HTTP_201_CREATED, summary="Create an account")
async def create(body: AccountCreate, session: SessionDep, _: AdminKey) -> AccountOut:
    """Make an account; the password is stored only as its Argon2id hash."""
    account = await create_account(
        session,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        password=body.password,
        agency_code=body.agency_code,
        email=body.email,
    )
    await session.commit()
    return (await _out(session, [account]))[0]


@router.get("", response_model=list[AccountOut], summary="List accounts")
async def listing(session: SessionDep, _: AdminKey) -> list[AccountOut]:
    """Every account, oldest first."""
    return await _out(session, await list_accounts(session))


@router.post("/{account_id}/password", response_model=AccountOut, summary="Reset a password")
async def password(account_id: IdPath, body: PasswordReset, session: SessionDep, _: AdminKey) -> AccountOut:
    """Set a new password; the account's open sessions end at once."""
    account = await reset_password(session, account_id, body.password)
    await session.commit()
    return (await _out(session, [account]))[0]


@router.post("/{account_id}/disable", response_model=AccountOut, summary="Disable an account")
async def disable(account_id: IdPath, session: SessionDep, _: AdminKey) -> AccountOut:
    """Disable the account; its open sessions end at once and it cannot sign in again."""
    account = await disable_account(session, account_id)
    await session.commit()
    return (await _out(session, [account]))[0]
