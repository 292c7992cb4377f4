"""Agencies (OPD) and categories: create, list, update, deactivate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.api.deps import AdminKey, CurrentKey, SessionDep
from app.core.errors import Conflict, NotFound
from app.models import Agency, Category
from app.models.types import utcnow


class EntryCreate(BaseModel):
    """A new agency or category."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    national_id: int | None = Field(None, ge=1, description="Its id in national LAPOR, if any.")


class EntryUpdate(BaseModel):
    """Changes to an agency or category; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=200)
    national_id: int | None = Field(None, ge=1)
    active: bool | None = None


class EntryOut(BaseModel):
    """An agency or category."""

    id: int
    code: str
    name: str
    national_id: int | None
    active: bool
    created_at: datetime
    updated_at: datetime


# Agencies and categories share one router shape; the type checker checks it for each.
Entry = TypeVar("Entry", Agency, Category)


def _directory_router(model: type[Entry], path: str, national_field: str, noun: str) -> APIRouter:
    """The five endpoints of one directory; agencies and categories behave alike."""
    router = APIRouter(prefix=f"/api/v1/{path}", tags=[path])

    def out(row: Entry) -> EntryOut:
        return EntryOut(
            id=row.id or 0,
            code=row.code,
            name=row.name,
            national_id=getattr(row, national_field),
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def load(session: SessionDep, code: str) -> Entry:
        row = (await session.execute(select(model).where(col(model.code) == code))).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no {noun} with code {code!r}")
        return row

    @router.post("", response_model=EntryOut, status_code=status.HTTP_201_CREATED, summary=f"Create a {noun}")
    async def create(body: EntryCreate, session: SessionDep, _: AdminKey) -> EntryOut:
        row = model(code=body.code, name=body.name)
        setattr(row, national_field, body.national_id)
        session.add(row)
        try:
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()
            raise Conflict(f"a {noun} with code {body.code!r} already exists") from exc
        return out(row)

    @router.get("", response_model=list[EntryOut], summary=f"List {path}")
    async def listing(
        session: SessionDep,
        _: CurrentKey,
        include_inactive: Annotated[bool, Query(description="Also list deactivated ones.")] = False,
    ) -> list[EntryOut]:
        query = select(model).order_by(col(model.code))
        if not include_inactive:
            query = query.where(col(model.active) == True)  # noqa: E712
        return [out(row) for row in (await session.execute(query)).scalars()]

    @router.get("/{code}", response_model=EntryOut, summary=f"Get a {noun}")
    async def get_one(code: str, session: SessionDep, _: CurrentKey) -> EntryOut:
        return out(await load(session, code))

    @router.patch("/{code}", response_model=EntryOut, summary=f"Update a {noun}")
    async def patch(code: str, body: EntryUpdate, session: SessionDep, _: AdminKey) -> EntryOut:
        row = await load(session, code)
        changes = body.model_dump(exclude_unset=True)
        if "national_id" in changes:
            setattr(row, national_field, changes.pop("national_id"))
        for name, value in changes.items():
            if value is None:
                continue
            setattr(row, name, value)
        row.updated_at = utcnow()
        await session.commit()
        return out(row)

    @router.post("/{code}/deactivate", response_model=EntryOut, summary=f"Deactivate a {noun}")
    async def deactivate(code: str, session: SessionDep, _: AdminKey) -> EntryOut:
        row = await load(session, code)
        row.active = False
        row.updated_at = utcnow()
        await session.commit()
        return out(row)

    return router


agencies_router = _directory_router(Agency, "agencies", "national_institution_id", "agency")
categories_router = _directory_router(Category, "categories", "national_category_id", "category")
