"""Agencies (OPD) and categories: create, list, update, deactivate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.api.deps import AdminKey, CurrentKey, SessionDep
from app.core.errors import Conflict, NotFound
from app.models import Agency, Category
from app.models.types import MAX_ID, utcnow

# An id in national LAPOR, kept in an integer column: a JSON integer in that column's range.
NationalId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class EntryCreate(BaseModel):
    """A new agency or category."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    national_id: NationalId | None = Field(None, description="Its id in national LAPOR, if any.")


class EntryUpdate(BaseModel):
    """Changes to an agency or category; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=200)
    national_id: NationalId | None = None
    active: StrictBool | None = None


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


@dataclass(frozen=True)
class _Directory(Generic[Entry]):
    """One directory table: its model, the column of its national id, and what one entry is called."""

    model: type[Entry]
    path: str
    national_field: str
    noun: str

    def out(self, row: Entry) -> EntryOut:
        return EntryOut(
            id=row.id or 0,
            code=row.code,
            name=row.name,
            national_id=getattr(row, self.national_field),
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def load(self, session: AsyncSession, code: str) -> Entry:
        model = self.model
        row = (await session.execute(select(model).where(col(model.code) == code))).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no {self.noun} with code {code!r}")
        return row


def _directory_router(directory: _Directory[Entry]) -> APIRouter:
    """The five endpoints of one directory; agencies and categories behave alike."""
    router = APIRouter(prefix=f"/api/v1/{directory.path}", tags=[directory.path])
    _add_read_routes(router, directory)
    _add_write_routes(router, directory)
    return router


def _add_read_routes(router: APIRouter, d: _Directory[Entry]) -> None:
    @router.get("", response_model=list[EntryOut], summary=f"List {d.path}")
    async def listing(
        session: SessionDep,
        _: CurrentKey,
        include_inactive: Annotated[bool, Query(description="Also list deactivated ones.")] = False,
    ) -> list[EntryOut]:
        query = select(d.model).order_by(col(d.model.code))
        if not include_inactive:
            query = query.where(col(d.model.active) == True)  # noqa: E712
        return [d.out(row) for row in (await session.execute(query)).scalars()]

    @router.get("/{code}", response_model=EntryOut, summary=f"Get a {d.noun}")
    async def get_one(code: str, session: SessionDep, _: CurrentKey) -> EntryOut:
        return d.out(await d.load(session, code))


def _add_write_routes(router: APIRouter, d: _Directory[Entry]) -> None:
    @router.post(
        "", response_model=EntryOut, status_code=status.HTTP_201_CREATED, summary=f"Create a {d.noun}"
    )
    async def create(body: EntryCreate, session: SessionDep, _: AdminKey) -> EntryOut:
        row = d.model(code=body.code, name=body.name)
        setattr(row, d.national_field, body.national_id)
        session.add(row)
        try:
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()
            raise Conflict(f"a {d.noun} with code {body.code!r} already exists") from exc
        return d.out(row)

    @router.patch("/{code}", response_model=EntryOut, summary=f"Update a {d.noun}")
    async def patch(code: str, body: EntryUpdate, session: SessionDep, _: AdminKey) -> EntryOut:
        row = await d.load(session, code)
        changes = body.model_dump(exclude_unset=True)
        if "national_id" in changes:
            setattr(row, d.national_field, changes.pop("national_id"))
        for name, value in changes.items():
            if value is not None:
                setattr(row, name, value)
        row.updated_at = utcnow()
        await session.commit()
        return d.out(row)

    @router.post("/{code}/deactivate", response_model=EntryOut, summary=f"Deactivate a {d.noun}")
    async def deactivate(code: str, session: SessionDep, _: AdminKey) -> EntryOut:
        row = await d.load(session, code)
        row.active = False
        row.updated_at = utcnow()
        await session.commit()
        return d.out(row)


agencies_router = _directory_router(_Directory(Agency, "agencies", "national_institution_id", "agency"))
categories_router = _directory_router(_Directory(Category, "categories", "national_category_id", "category"))
