"""Opening a workspace page: signed in, with a role that may use it; checking a form's token."""

from __future__ import annotations

from collections.abc import Set

from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from app.accounts.sessions import Official
from app.dashboard.access import SESSION_COOKIE, forget, is_same_origin, signed_in, tokens_match
from app.dashboard.pages import SIGN_IN_PATH, error_page
from app.models.enums import Role

NOT_FOR_ROLE = "Halaman ini tidak tersedia untuk peran Anda."
FORGED = (
    "Permintaan ditolak: token formulir tidak sah. Muat ulang halaman lalu coba lagi. Tidak ada yang diubah."
)


async def official_or_answer(
    request: Request, session: AsyncSession, roles: Set[Role]
) -> Official | Response:
    """The signed-in official if their role may open this page; otherwise the answer to give."""
    official = await signed_in(request, session)
    if official is None:
        target = f"{SIGN_IN_PATH}?sesi=berakhir" if request.cookies.get(SESSION_COOKIE) else SIGN_IN_PATH
        answer = RedirectResponse(target, status_code=303)
        forget(request, answer)
        return answer
    if official.principal.role not in roles:
        return HTMLResponse(error_page(NOT_FOR_ROLE, official), status_code=403)
    return official


def forged(request: Request, official: Official, token: str | None) -> Response | None:
    """A 403 page for a POST without this session's CSRF token or from another site; else None."""
    if is_same_origin(request) and tokens_match(official.csrf_token, token):
        return None
    return HTMLResponse(error_page(FORGED, official), status_code=403)
