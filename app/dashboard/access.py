"""Who is signed in to the workspace, CSRF tokens and same-origin POSTs."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from app.accounts.sessions import Official, official_for
from app.models.enums import Role
from app.runtime.context import runtime_of

SESSION_COOKIE = "lb_sesi"
SIGN_IN_COOKIE = "lb_masuk"  # the sign-in form's CSRF token (no session yet)
DEVICE_COOKIE = "lb_perangkat"  # the browser's device cookie (app.accounts.devices)
COOKIE_PATH = "/dashboard"
OVERVIEW_ROLES = frozenset({Role.viewer, Role.coordinator, Role.admin})
WORK_ROLES = frozenset({Role.coordinator, Role.admin, Role.agency})
ERASE_ROLES = frozenset({Role.coordinator, Role.admin})
"""Who may erase a reporter's identity (app.reports.erasure), as through the API."""


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
    """Whether the request came over https."""
    return request.url.scheme == "https"


def secure_cookies(request: Request) -> bool:
    """Whether the workspace's cookies are marked Secure: over https, and always in production,
    where a session cookie must never be sent over plain http."""
    return is_https(request) or runtime_of(request.app).settings.environment == "production"


def tokens_match(expected: str, given: str | None) -> bool:
    """A constant-time comparison of a CSRF token with what a form sent."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


async def signed_in(request: Request, session: AsyncSession) -> Official | None:
    """The official behind the session cookie, if the session is open and the account enabled."""
    token = request.cookies.get(SESSION_COOKIE)
    return await official_for(session, token) if token else None


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """An httponly, same-site-strict cookie for the workspace's paths."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=secure_cookies(request),
        httponly=True,
        samesite="strict",
    )


def set_session_cookie(request: Request, response: Response, token: str, lifetime: timedelta) -> None:
    """The cookie carrying a new session's random token, kept as long as the session lasts."""
    set_cookie(request, response, SESSION_COOKIE, token, int(lifetime.total_seconds()))


def set_device_cookie(request: Request, response: Response, value: str, lifetime: timedelta) -> None:
    """The device cookie of a successful sign-in, kept as long as it stays valid; signing out
    leaves it (it opens nothing by itself, only spares the browser the account's lock)."""
    set_cookie(request, response, DEVICE_COOKIE, value, int(lifetime.total_seconds()))


def forget(request: Request, response: Response) -> None:
    """Clear the session cookie in the browser (the session itself is ended server-side)."""
    response.delete_cookie(
        SESSION_COOKIE, path=COOKIE_PATH, secure=secure_cookies(request), httponly=True, samesite="strict"
    )


def sign_in_token(request: Request) -> str:
    """The sign-in form's CSRF token: the browser's, or a new random one."""
    current = request.cookies.get(SIGN_IN_COOKIE)
    return current if current and 20 <= len(current) <= 64 else secrets.token_urlsafe(24)
