"""`GET /api/v1/public/reports/{tracking_number}` and the `/lacak` page: no key, no personal data."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Header, HTTPException, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from app.api.deps import SessionDep, SettingsDep
from app.api.errors_schema import ErrorOut
from app.core.errors import NotFound, TooManyRequests
from app.models.types import utcnow
from app.public.address_limit import count_lookup
from app.public.lookup import PublicReportOut, public_view
from app.public.page import lacak_page, message_html, refused_page, result_html, secured

router = APIRouter(tags=["public"])


class PageRoute(APIRoute):
    """A `/lacak` route: every answer a page with the security headers, a field it cannot read too."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped."""
        handler = super().get_route_handler()

        async def paged(request: Request) -> Response:
            try:
                response = await handler(request)
            except RequestValidationError:  # a field missing or too long, a body not a form
                response = refused_page(422)
            except HTTPException as exc:  # a form that does not parse
                response = refused_page(exc.status_code if exc.status_code < 500 else 400)
            return secured(response)

        return paged


pages = APIRouter(route_class=PageRoute, include_in_schema=False)

NumberPath = Annotated[str, Path(min_length=1, max_length=40)]
# The code travels in a header (or a POSTed form), never in a URL that access logs keep.
CodeHeader = Annotated[
    str | None, Header(alias="X-Lookup-Code", max_length=40, description="The code given when filing")
]


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get(
    "/api/v1/public/reports/{tracking_number}",
    response_model=PublicReportOut,
    summary="A report's public status",
    responses={
        404: {"description": "No such number, or not visible without its code"},
        429: {"model": ErrorOut, "description": "Over the lookups a minute from this address"},
    },
)
async def public_report(
    tracking_number: NumberPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    code: CodeHeader = None,
) -> PublicReportOut:
    """Status and dates by tracking number (case, blanks and full-width forms do not matter); with
    `X-Lookup-Code` also kind, category, agency and follow-ups. Rate-limited per client address."""
    response.headers["Cache-Control"] = "no-store"  # an answer opened by a code is not for a cache
    await count_lookup(session, _address(request), settings.public_lookups_per_minute, utcnow())
    return await public_view(session, tracking_number, code)


@pages.get("/lacak", response_class=HTMLResponse)
async def lacak_form() -> HTMLResponse:
    """The empty lookup form."""
    return HTMLResponse(lacak_page())


@pages.post("/lacak", response_class=HTMLResponse)
async def lacak(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    tracking_number: Annotated[str, Form(max_length=40)],
    code: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """The result of a lookup typed into the form."""
    number = tracking_number.strip()
    try:
        await count_lookup(session, _address(request), settings.public_lookups_per_minute, utcnow())
        out = await public_view(session, number, code.strip() or None)
    except TooManyRequests as exc:
        text = "Terlalu banyak pencarian dari alamat ini. Coba lagi sebentar lagi."
        return HTMLResponse(lacak_page(number, message_html(text)), status_code=429, headers=exc.headers)
    except NotFound:
        text = "Laporan tidak ditemukan. Periksa nomor laporan dan kode pelacakan."
        return HTMLResponse(lacak_page(number, message_html(text)), status_code=404)
    return HTMLResponse(lacak_page(number, result_html(out, ZoneInfo(settings.timezone))))


router.include_router(pages)
