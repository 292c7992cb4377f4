"""The agency directory as the rest of the service asks it: by code, by id, and for a role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import Unprocessable
from app.models import Agency
from app.models.enums import Role


async def agency_by_code(session: AsyncSession, code: str) -> Agency | None:
    """The agency (OPD) with this code, or None."""
    return (await session.execute(select(Agency).where(col(Agency.code) == code))).scalar_one_or_none()


async def agency_code_of(session: AsyncSession, agency_id: int | None) -> str | None:
    """The code of an agency by its id (None for no agency), as event payloads name it."""
    if agency_id is None:
        return None
    code: str | None = (
        await session.execute(select(col(Agency.code)).where(col(Agency.id) == agency_id))
    ).scalar_one_or_none()
    return code


async def agency_of_role(
    session: AsyncSession, role: Role, agency_code: str | None, *, holder: str
) -> int | None:
    """The agency id a credential of `role` belongs to: agency roles need a known agency code,
    every other role must not name one (`holder` says what is refused, e.g. "key")."""
    if role is not Role.agency:
        if agency_code:
            raise Unprocessable(f"only agency {holder}s belong to an agency")
        return None
    if not agency_code:
        raise Unprocessable(f"an agency {holder} needs an agency code")
    agency = await agency_by_code(session, agency_code)
    if agency is None or agency.id is None:
        field = {"field": "body.agency_code", "message": "unknown agency", "type": "unknown_agency"}
        raise Unprocessable(f"unknown agency {agency_code!r}", extra={"fields": [field]})
    return agency.id
