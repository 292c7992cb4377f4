"""Who may open the dashboard: allowed roles, the key behind a cookie, same-origin POSTs."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.requests import Request

from app.keys import Principal
from app.models import ApiKey
from app.models.enums import Role

DASHBOARD_ROLES = frozenset({Role.viewer, Role.coordinator, Role.admin})


def may_enter(principal: Principal) -> bool:
    """Whether this key's role may use the dashboard."""
    return principal.role in DASHBOARD_ROLES


async def active_principal(session: AsyncSession, key_id: int) -> Principal | None:
    """The key with this id if it still exists, is not revoked and may use the dashboard."""
    row = (
        await session.execute(
            select(
                col(ApiKey.id),
                col(ApiKey.name),
                col(ApiKey.role),
                col(ApiKey.agency_id),
                col(ApiKey.revoked_at),
            ).where(col(ApiKey.id) == key_id)
        )
    ).one_or_none()
    if row is None or row.revoked_at is not None or row.role not in {r.value for r in Role}:
        return None
    principal = Principal(key_id=row.id, name=row.name, role=Role(row.role), agency_id=row.agency_id)
    return principal if may_enter(principal) else None


def own_origin(request: Request) -> str:
    """This server's origin as the browser sees it (`scheme://host[:port]`)."""
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def is_same_origin(request: Request) -> bool:
    """Whether a POST comes from a page of this site (Origin, else Referer); absent means no."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin.lower() == own_origin(request)


def is_https(request: Request) -> bool:
    """Whether the request came over https (the cookie is then marked Secure)."""
    return request.url.scheme == "https"
