"""The workspace's routes: sign-in, sign-out, the overview and the static files."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException

from app.access.principals import principal_of_account
from app.accounts.sessions import end_session, open_session
from app.accounts.sign_in import SignInLimited, SignInPolicy, begin_attempt, finish_attempt
from app.api.deps import SessionDep, SettingsDep
from app.core.body_limit import Refusal
from app.dashboard.access import (
    DEVICE_COOKIE,
    OVERVIEW_ROLES,
    SIGN_IN_COOKIE,
    forget,
    is_same_origin,
    set_cookie,
    set_device_cookie,
    set_session_cookie,
    sign_in_token,
    signed_in,
    tokens_match,
)
from app.dashboard.figures import PeriodError, gather, parse_period
from app.dashboard.pages import SIGN_IN_PATH, dashboard_page, error_page, period_error_page
from app.dashboard.templating import render
from app.models import Account
from app.models.enums import Role
from app.models.types import utcnow
from app.runtime.context import runtime_of

log = logging.getLogger("app.dashboard")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_PACKAGE = files("app.dashboard")
STATIC = {
    "dashboard.css": (_PACKAGE.joinpath("dashboard.css").read_bytes(), "text/css"),
    "favicon.svg": (_PACKAGE.joinpath("favicon.svg").read_bytes(), "image/svg+xml"),
}
STATIC_CACHE = {"cache-control": "public, max-age=3600"}
MAX_FIELD = 256
FOREIGN = "Permintaan ditolak karena tidak berasal dari halaman ini atau tokennya tidak sah. Muat ulang halaman lalu coba lagi."
WRONG = "Nama pengguna atau kata sandi salah."


def refusal_page(exc: HTTPException | RequestValidationError) -> HTMLResponse:
    """A page, not the API's JSON, for a request the route could not take: a malformed id in the
    path is a page that does not exist (404), a field too long or of the wrong kind a 422, a body
    that cannot be read its own status (400). Nothing has been changed."""
    if isinstance(exc, HTTPException):
        message = (
            "Permintaan tidak dapat dibaca." if exc.status_code == 400 else "Permintaan tidak dapat diproses."
        )
        page = error_page(f"{message} Tidak ada yang diubah.")
        return HTMLResponse(page, status_code=exc.status_code, headers=exc.headers)
    errors = exc.errors()
    if any(error.get("loc", ("",))[0] == "path" for error in errors):
        return HTMLResponse(error_page("Halaman tidak ditemukan."), status_code=404)
    names = sorted({str(error.get("loc", ("", ""))[-1]) for error in errors})
    message = f"Isian tidak valid (misalnya terlalu panjang): {', '.join(names)}. Tidak ada yang diubah."
    return HTMLResponse(error_page(message), status_code=422)


_EDGE_MESSAGES = {
    405: "Halaman ini tidak dapat dibuka dengan cara ini.",
    413: "Berkas atau isian terlalu besar.",
    415: "Isian dikirim dalam penyandian yang tidak dapat dibaca.",
    422: "Isian berisi karakter kendali yang tidak diizinkan",
}


def _secured(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers.setdefault("cache-control", "no-store")
    return response


def edge_page(path: str, refusal: Refusal) -> Response:
    """A refusal of the edge (`app.core.body_limit.refuse`: a body too large, a refused character,
    a charset it cannot read; a method the path does not take) to a workspace address, as a page
    with the workspace's headers instead of the API's JSON; its status stays, and the fields it
    names are said."""
    message = _EDGE_MESSAGES.get(refusal.status, "Permintaan tidak dapat dibaca.")
    named = sorted({f["field"].rpartition(".")[2] for f in refusal.body.get("fields", [])})
    if refusal.status == 422:
        message = f"{message}: {', '.join(named)}." if named else f"{message}."
    return _secured(HTMLResponse(error_page(f"{message} Tidak ada yang diubah."), status_code=refusal.status))


class DashboardRoute(APIRoute):
    """A route whose every answer carries the security headers, and whose failures are a page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handler(request)
            except (HTTPException, RequestValidationError) as exc:
                response = refusal_page(exc)
            except Exception as exc:
                log.error("dashboard error: %s", type(exc).__name__, exc_info=exc)
                message = "Terjadi kesalahan di server. Silakan coba lagi beberapa saat lagi."
                response = HTMLResponse(error_page(message), status_code=500)
            return _secured(response)

        return guarded


router = APIRouter(
    prefix="/dashboard", tags=["dashboard"], route_class=DashboardRoute, include_in_schema=False
)


def _home(role: Role) -> str:
    return "/dashboard" if role in OVERVIEW_ROLES else "/dashboard/antrian"


def sign_in_form(
    request: Request,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    login: str = "",
) -> HTMLResponse:
    """The sign-in form with a fresh (or the browser's) CSRF token in its cookie and field."""
    token = sign_in_token(request)
    messages = [{"kind": "galat", "text": error}] if error else []
    messages += [{"kind": "info", "text": notice}] if notice else []
    page = render("masuk.html", title="Masuk", official=None, messages=messages, csrf=token, login=login)
    response = HTMLResponse(page, status_code=status_code)
    set_cookie(request, response, SIGN_IN_COOKIE, token, 3600)
    return response


@router.get("", response_class=HTMLResponse)
async def show_overview(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    first: Annotated[str | None, Query(alias="from")] = None,
    last: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    """Monthly volume, status funnel, per-agency compliance, the overdue list and sync health."""
    official = await signed_in(request, session)
    if official is None:
        target = f"{SIGN_IN_PATH}?sesi=berakhir" if request.cookies.get("lb_sesi") else SIGN_IN_PATH
        answer = RedirectResponse(target, status_code=303)
        forget(request, answer)
        return answer
    if official.principal.role not in OVERVIEW_ROLES:
        return RedirectResponse(_home(official.principal.role), status_code=303)
    tz = ZoneInfo(settings.timezone)
    try:
        period = parse_period(first, last, datetime.now(tz).date(), tz)
    except PeriodError as exc:
        return HTMLResponse(period_error_page(official, str(exc), first or "", last or ""), status_code=422)
    figures = await gather(session, official.principal, period, utcnow())
    sla = runtime_of(request.app).sla
    return HTMLResponse(dashboard_page(official, figures, sla))


@router.get("/masuk", response_class=HTMLResponse)
async def show_sign_in(
    request: Request, session: SessionDep, keluar: str | None = None, sesi: str | None = None
) -> Response:
    """The sign-in form (or straight to the workspace when already signed in)."""
    official = await signed_in(request, session)
    if official is not None:
        return RedirectResponse(_home(official.principal.role), status_code=303)
    notice = None
    if keluar is not None:
        notice = "Anda telah keluar dari ruang kerja."
    elif sesi is not None:
        notice = "Sesi Anda telah berakhir. Silakan masuk lagi."
    return sign_in_form(request, notice=notice)


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _check_password(
    request: Request, session: AsyncSession, policy: SignInPolicy, login: str, password: str
) -> Account | Response:
    """The account the password opens, or the page refusing it (wrong password or rate limited).

    The attempt is counted and committed before its password is checked, so attempts made at the
    same moment see each other (see `begin_attempt`); the browser's device cookie, if it is valid
    for the account, has it counted against the device instead of the account and address."""
    device = request.cookies.get(DEVICE_COOKIE)
    try:
        attempt = await begin_attempt(session, login, _client_address(request), policy, device)
        await session.commit()
        account = await finish_attempt(session, attempt, password, policy)
    except SignInLimited as exc:
        await session.commit()
        minutes = max(exc.retry_after // 60, 1)
        answer = sign_in_form(
            request, 429, f"Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {minutes} menit."
        )
        answer.headers["Retry-After"] = str(exc.retry_after)
        return answer
    if account is None:
        return sign_in_form(request, 401, WRONG, login=login)
    return account


@router.post("/masuk", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    pengguna: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    sandi: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """Check the password; on success open a server-side session and set its cookie, and give
    the browser a new device cookie for the account."""
    expected = request.cookies.get(SIGN_IN_COOKIE) or ""
    if not is_same_origin(request) or not expected or not tokens_match(expected, csrf):
        return sign_in_form(request, 403, FOREIGN)
    if not pengguna.strip() or not sandi:
        return sign_in_form(request, 401, "Masukkan nama pengguna dan kata sandi.", login=pengguna)
    policy = SignInPolicy.from_settings(settings)
    account = await _check_password(request, session, policy, pengguna, sandi)
    if not isinstance(account, Account):
        return account
    lifetime = timedelta(hours=settings.workspace_session_hours)
    token = await open_session(session, account, lifetime)
    await session.commit()
    done = RedirectResponse(_home(principal_of_account(account).role), status_code=303)
    set_session_cookie(request, done, token, lifetime)
    if policy.devices is not None and account.id is not None:
        device = policy.devices.issue(account.id, utcnow())
        set_device_cookie(request, done, device, policy.devices.lifetime)
    done.delete_cookie(SIGN_IN_COOKIE, path="/dashboard")
    return done


@router.post("/keluar")
async def sign_out(
    request: Request, session: SessionDep, csrf: Annotated[str, Form(max_length=MAX_FIELD)] = ""
) -> Response:
    """End the session on the server, clear the cookie and return to the sign-in form."""
    official = await signed_in(request, session)
    if official is not None and (not is_same_origin(request) or not tokens_match(official.csrf_token, csrf)):
        return HTMLResponse(error_page(FOREIGN, official), status_code=403)
    if official is not None:
        await end_session(session, official.session_id)
        await session.commit()
    answer = RedirectResponse(f"{SIGN_IN_PATH}?keluar=1", status_code=303)
    forget(request, answer)
    return answer


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    """The workspace's stylesheet and icon, shipped in the package and served by the app."""
    if name not in STATIC:
        return HTMLResponse(error_page("Berkas tidak ditemukan."), status_code=404)
    data, media_type = STATIC[name]
    return Response(data, media_type=media_type, headers=STATIC_CACHE)
