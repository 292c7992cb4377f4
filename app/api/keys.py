"""API key management (admin only); the same operations as `lapor-bridge apikey`."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlmodel import col

from app.access.keys import create_key, revoke_key
from app.api.deps import AdminKey, IdPath, SessionDep
from app.api.render import agency_codes
from app.models import ApiKey
from app.models.enums import Role
from app.runtime.context import runtime_of

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


class KeyCreate(BaseModel):
    """A key to make."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    role: Role
    agency_code: str | None = Field(None, max_length=32, description="Required for role `agency`.")


class KeyOut(BaseModel):
    """A key as listed: never its secret."""

    id: int
    name: str
    role: Role
    agency: str | None
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    """A new key, with its secret shown this once."""

    key: str


async def _out(session: SessionDep, rows: list[ApiKey]) -> list[KeyOut]:
    codes = await agency_codes(session, {r.agency_id for r in rows if r.agency_id})
    return [
        KeyOut(
            id=r.id or 0,
            name=r.name,
            role=Role(r.role),
            agency=codes.get(r.agency_id) if r.agency_id else None,
            prefix=r.key_prefix,
            created_at=r.created_at,
            revoked_at=r.revoked_at,
        )
        for r in rows
    ]


@router.post("", response_model=KeyCreated, status_code=status.HTTP_201_CREATED, summary="Create a key")
async def create(body: KeyCreate, session: SessionDep, _: AdminKey) -> KeyCreated:
    """Make a key; its secret is in this answer and nowhere else, ever."""
    row, raw = await create_key(session, name=body.name, role=body.role, agency_code=body.agency_code)
    await session.commit()
    listed = (await _out(session, [row]))[0]
    return KeyCreated(**listed.model_dump(), key=raw)


@router.get("", response_model=list[KeyOut], summary="List keys")
async def listing(session: SessionDep, _: AdminKey) -> list[KeyOut]:
    """Every key, revoked ones included, without secrets."""
    rows = list((await session.execute(select(ApiKey).order_by(col(ApiKey.id)))).scalars())
    return await _out(session, rows)


@router.post("/{key_id}/revoke", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a key")
async def revoke(key_id: IdPath, request: Request, session: SessionDep, _: AdminKey) -> None:
    """Revoke a key at once in this process (other processes: within the key cache time)."""
    await revoke_key(session, key_id)
    await session.commit()
    runtime_of(request.app).key_cache.clear()
