"""The dashboard's routes: sign-in, sign-out, the main page and its stylesheet."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from importlib.resources import files
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from app.api.deps import SessionDep, SettingsDep
from app.config import Settings
from app.dashboard.access import active_principal, is_https, is_same_origin, may_enter
from app.dashboard.cookie import COOKIE_NAME, COOKIE_PATH, SESSION_LIFETIME, DashboardSession, seal, unseal
from app.dashboard.figures import PeriodError, gather, parse_period
from app.dashboard.pages import (
    SIGN_IN_PATH,
    dashboard_page,
    error_page,
    period_error_page,
    sign_in_page,
)
from app.dashboard.wording import ROLE_LABELS
from app.keys import KeyCache, Principal, authenticate
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy

log = logging.getLogger("app.dashboard")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
STYLESHEET = files("app.dashboard").joinpath("dashboard.css").read_text(encoding="utf-8")
FAVICON = (  # inline, since the package data (pyproject) ships *.css but not *.svg
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" '
    'fill="#6c3483"/><path d="M10 7v18h13v-4h-9V7z" fill="#fff"/></svg>'
)
STATIC_CACHE = {"cache-control": "public, max-age=3600"}
MAX_KEY_LENGTH = 256
FOREIGN_ORIGIN = (
    "Permintaan ditolak karena tidak berasal dari halaman dasbor ini. Muat ulang halaman lalu coba lagi."
)


class DashboardRoute(APIRoute):
    """A route whose every answer carries the security headers, and whose failures are a page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handler(request)
            except (HTTPException, RequestValidationError):
                raise
            except Exception as exc:
                log.error("dashboard error: %s", type(exc).__name__, exc_info=exc)
                message = "Terjadi kesalahan di server. Silakan coba lagi beberapa saat lagi."
                response = HTMLResponse(error_page(message), status_code=500)
            for name, value in SECURITY_HEADERS.items():
                response.headers[name] = value
            response.headers.setdefault("cache-control", "no-store")
            return response

        return guarded


router = APIRouter(
    prefix="/dashboard", tags=["dashboard"], route_class=DashboardRoute, include_in_schema=False
)


def _secret(settings: Settings) -> str:
    return settings.secret_key.get_secret_value()


def _forget(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME, path=COOKIE_PATH, secure=is_https(request), httponly=True, samesite="strict"
    )


def _sign_in_form(status_code: int, error: str) -> HTMLResponse:
    return HTMLResponse(sign_in_page(error=error), status_code=status_code)


async def signed_in(request: Request, session: SessionDep, settings: Settings) -> Principal | None:
    """The dashboard user behind the cookie, if it is genuine, unexpired and its key still allowed."""
    value = request.cookies.get(COOKIE_NAME)
    if not value:
        return None
    found = unseal(value, _secret(settings), time.time())
    return None if found is None else await active_principal(session, found.key_id)


@router.get("", response_class=HTMLResponse, summary="The dashboard")
async def show_dashboard(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    first: Annotated[str | None, Query(alias="from")] = None,
    last: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    """Monthly volume, status funnel, per-agency compliance and the overdue list for a date range."""
    principal = await signed_in(request, session, settings)
    if principal is None:
        if not request.cookies.get(COOKIE_NAME):
            return RedirectResponse(SIGN_IN_PATH, status_code=303)
        # A cookie that opens nothing (expired, forged, key revoked or demoted): clear it and say so.
        answer = RedirectResponse(f"{SIGN_IN_PATH}?sesi=berakhir", status_code=303)
        _forget(request, answer)
        return answer
    tz = ZoneInfo(settings.timezone)
    try:
        period = parse_period(first, last, datetime.now(tz).date(), tz)
    except PeriodError as exc:
        page = period_error_page(principal, str(exc), first or "", last or "")
        return HTMLResponse(page, status_code=422)
    figures = await gather(session, principal, period, utcnow())
    sla: SlaPolicy = request.app.state.sla
    return HTMLResponse(dashboard_page(principal, figures, sla))


@router.get("/masuk", response_class=HTMLResponse, summary="The sign-in form")
async def show_sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    keluar: str | None = None,
    sesi: str | None = None,
) -> Response:
    """The sign-in form (or straight to the dashboard when already signed in)."""
    if await signed_in(request, session, settings) is not None:
        return RedirectResponse("/dashboard", status_code=303)
    notice = None
    if keluar is not None:
        notice = "Anda telah keluar dari dasbor."
    elif sesi is not None:
        notice = "Sesi Anda telah berakhir atau kunci sudah tidak berlaku. Silakan masuk lagi."
    return HTMLResponse(sign_in_page(notice=notice))


@router.post("/masuk", response_class=HTMLResponse, summary="Sign in with an API key")
async def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    kunci: Annotated[str, Form()] = "",
) -> Response:
    """Check the key; on success set the signed cookie (key id and expiry only) and go to the dashboard."""
    if not is_same_origin(request):
        return _sign_in_form(403, FOREIGN_ORIGIN)
    raw = kunci.strip()
    if not raw:
        return _sign_in_form(401, "Masukkan kunci API Anda.")
    cache: KeyCache = request.app.state.key_cache
    principal = None if len(raw) > MAX_KEY_LENGTH else await authenticate(session, raw, cache)
    if principal is None:
        return _sign_in_form(401, "Kunci API tidak dikenal atau sudah dicabut. Periksa kembali kunci Anda.")
    if not may_enter(principal):
        role = ROLE_LABELS.get(principal.role, principal.role.value)
        return _sign_in_form(
            403,
            f"Kunci ini berperan {role}. Dasbor hanya dapat dibuka dengan kunci berperan "
            "pemantau (viewer), koordinator (coordinator) atau admin.",
        )
    expires_at = int(time.time() + SESSION_LIFETIME.total_seconds())
    value = seal(DashboardSession(key_id=principal.key_id, expires_at=expires_at), _secret(settings))
    answer = RedirectResponse("/dashboard", status_code=303)
    answer.set_cookie(
        COOKIE_NAME,
        value,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        secure=is_https(request),
        httponly=True,
        samesite="strict",
    )
    return answer


@router.post("/keluar", summary="Sign out")
async def sign_out(request: Request) -> Response:
    """Clear the cookie and return to the sign-in form."""
    if not is_same_origin(request):
        return HTMLResponse(error_page(FOREIGN_ORIGIN), status_code=403)
    answer = RedirectResponse(f"{SIGN_IN_PATH}?keluar=1", status_code=303)
    _forget(request, answer)
    return answer


@router.get("/static/dashboard.css", summary="The dashboard's stylesheet")
async def stylesheet() -> Response:
    """The one stylesheet of the dashboard, served by the app."""
    return Response(STYLESHEET, media_type="text/css", headers=STATIC_CACHE)


@router.get("/static/favicon.svg", summary="The dashboard's icon")
async def favicon() -> Response:
    """The dashboard's icon, so browsers do not ask the server root for one."""
    return Response(FAVICON, media_type="image/svg+xml", headers=STATIC_CACHE)
