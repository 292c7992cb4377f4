"""Dependencies shared by the routers: the session, the caller, role checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.access.keys import authenticate, hash_key
from app.access.principals import Principal
from app.access.rate_limit import count_request
from app.core.config import Settings
from app.core.errors import Forbidden, Unauthenticated
from app.models.enums import Role
from app.models.types import MAX_ID, utcnow
from app.reports.deadlines import SlaPolicy
from app.runtime.context import Runtime, runtime_of

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key made with `lapor-bridge apikey create`."
)


async def get_runtime(request: Request) -> Runtime:
    """The runtime the app's lifespan built (override it in tests with `dependency_overrides`).

    Async, like the other dependencies here: FastAPI runs a plain `def` dependency in its thread
    pool, a thread hop on every request for a field read."""
    return runtime_of(request.app)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One session per request; the endpoint commits its unit of work explicitly."""
    async with runtime.sessions() as session:
        yield session


async def get_settings_dep(runtime: RuntimeDep) -> Settings:
    """The settings the app was built with."""
    return runtime.settings


async def get_sla(runtime: RuntimeDep) -> SlaPolicy:
    """The deadline policy the app was built with."""
    return runtime.sla


async def get_sessions(runtime: RuntimeDep) -> async_sessionmaker[AsyncSession]:
    """The session factory, for work that needs several sessions side by side."""
    return runtime.sessions


def _plain_digits(value: object) -> object:
    """Only the id's plain decimal digits: never "+1", " 1", "1_0" or "01" for 1 (an int, as a
    model built by the service holds, is already one)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and not value.startswith("0"):
        return value
    raise PydanticCustomError("int_parsing", "Input should be an id in plain decimal digits, e.g. 42")


# An id read from the URL, in its path or its query (a cursor such as `before`): plain digits,
# positive and within the range of the database's integer columns. Used inside `Path()` or
# `Query()`, e.g. `Annotated[PlainId | None, Query(description=...)]`.
PlainId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_plain_digits)]
IdPath = Annotated[PlainId, Path()]

SessionDep = Annotated[AsyncSession, Depends(get_session)]
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SlaDep = Annotated[SlaPolicy, Depends(get_sla)]


async def current_principal(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    raw_key: Annotated[str | None, Security(api_key_header)],
) -> Principal:
    """The caller behind `X-API-Key` (or `Authorization: Bearer`); 401 when none is valid."""
    principal = await known_principal(runtime, presented_key(request, raw_key), session)
    settings = runtime.settings
    try:
        await count_request(session, principal.key_id, settings.rate_limit_per_minute, utcnow())
    finally:
        # Authentication is its own unit of work: end its transaction so the request starts
        # clean (on SQLite this also releases the lock that every transaction takes). A key
        # found in the cache with the rate limit off began none.
        if session.in_transaction():
            await session.commit()
    return principal


def presented_key(request: Request, header_value: str | None) -> str:
    """The key the request presents, in `X-API-Key` or as `Authorization: Bearer`; 401 without."""
    raw_key = header_value
    if not raw_key:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            raw_key = auth[7:].strip()
    if not raw_key:
        raise Unauthenticated("an API key is required (header X-API-Key)")
    return raw_key


async def known_principal(runtime: Runtime, raw_key: str, session: AsyncSession | None) -> Principal:
    """The principal behind a key, from the key cache or the database (in `session`, or in one of
    its own when none is given, only on a cache miss); 401 when the key is unknown or revoked.
    On a refusal, leaves no transaction open on the session."""
    cache = runtime.key_cache
    if session is None:
        hit, principal = cache.get(hash_key(raw_key))
        if not hit:
            async with runtime.sessions() as own:
                principal = await authenticate(own, raw_key, cache)
    else:
        principal = await authenticate(session, raw_key, cache)
        if principal is None:
            await session.rollback()
    if principal is None:
        raise Unauthenticated("the API key is unknown or revoked")
    return principal


CurrentKey = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that lets only the given roles through (403 for the others)."""
    allowed = frozenset(roles)

    async def check(principal: CurrentKey) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"role {principal.role.value!r} may not do this (needs one of: {names})")
        return principal

    return check


AdminKey = Annotated[Principal, Depends(require_roles(Role.admin))]
AnyKey = CurrentKey
