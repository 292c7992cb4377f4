"""The GeoReport v2 endpoints: `/open311/v2/<resource>.<json|xml>`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import col

from app.access.rate_limit import count_request
from app.api.deps import SessionDep, known_principal
from app.core.config import Settings
from app.core.errors import AppError
from app.models import Report
from app.models.enums import Role
from app.models.types import utcnow
from app.open311.filing import file_request
from app.open311.form import read_form
from app.open311.params import flag, listed, moment, once_each, whole_number
from app.open311.render import ROOT, Open311Error, answer, checked_format, error_answer
from app.open311.requests import (
    RequestFilter,
    date_range,
    find_requests,
    find_updates,
    request_shape,
    statuses_of,
)
from app.open311.services import active_category, active_services, definition
from app.reports.identity_guard import reporters_of
from app.runtime.context import runtime_of


class Open311ErrorOut(BaseModel):
    """An error as GeoReport v2 shapes it (a list of these; `<errors><error>` in XML)."""

    code: int
    description: str


_BOTH: dict[str, Any] = {"application/json": {}, "text/xml": {}}
_ERROR: dict[str, Any] = {"model": list[Open311ErrorOut], "content": {"text/xml": {}}}
router = APIRouter(
    prefix=f"{ROOT}v2",
    tags=["open311"],
    responses={
        200: {"description": "The answer, in the format of the suffix", "content": _BOTH},
        400: {**_ERROR, "description": "Bad input"},
        403: {**_ERROR, "description": "Missing, unknown or non-filing api_key"},
        404: {**_ERROR, "description": "Unknown service, request, token, format or jurisdiction"},
        413: {**_ERROR, "description": "Body over the size limit"},
        415: {**_ERROR, "description": "A form in a charset other than UTF-8, or JSON not in UTF-8"},
        429: {**_ERROR, "description": "Over the key's requests per minute"},
    },
)

FILERS = frozenset({Role.admin, Role.intake})
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-02T00:00:00+07:00"


async def _answered(request: Request, fmt: str, build: Callable[[Settings], Awaitable[Response]]) -> Response:
    """The answer `build` makes, or the error in the spec's shape (and format)."""
    settings: Settings = request.app.state.runtime.settings
    try:
        checked_format(fmt)
        once_each(request.query_params)
        jurisdiction = request.query_params.get("jurisdiction_id")
        if jurisdiction is not None and jurisdiction != settings.open311_jurisdiction_id:
            raise Open311Error(404, f"unknown jurisdiction_id {jurisdiction!r}")
        return await build(settings)
    except Open311Error as error:
        return error_answer(fmt, error)
    except AppError as error:  # e.g. the key's rate limit
        refused = error_answer(fmt, Open311Error(error.status_code, error.detail))
        refused.headers.update(error.headers)
        return refused


@router.get("/discovery.{fmt}", summary="Open311 discovery")
async def discovery(request: Request, fmt: str) -> Response:
    """Where this endpoint is and what it speaks."""

    async def build(settings: Settings) -> Response:
        url = str(request.url_for("services", fmt="json")).rsplit("/", 1)[0]
        endpoint = {"specification": SPEC, "url": url, "changeset": CHANGESET, "type": "production",
                    "formats": ["text/xml", "application/json"]}  # fmt: skip
        body = {"changeset": CHANGESET, "contact": settings.open311_agency_name,
                "key_service": "API keys are issued by the regency coordinator", "endpoints": [endpoint]}  # fmt: skip
        return answer(fmt, "discovery", body)

    return await _answered(request, fmt, build)


@router.get("/services.{fmt}", summary="Open311 services", name="services")
async def services(request: Request, fmt: str, session: SessionDep) -> Response:
    """The active categories as services."""

    async def build(_: Settings) -> Response:
        return answer(fmt, "services", await active_services(session))

    return await _answered(request, fmt, build)


@router.get("/services/{code}.{fmt}", summary="Open311 service definition")
async def service_definition(request: Request, code: str, fmt: str, session: SessionDep) -> Response:
    """A service's attributes."""

    async def build(_: Settings) -> Response:
        return answer(fmt, "service_definition", definition(await active_category(session, code)))

    return await _answered(request, fmt, build)


@router.get("/requests.{fmt}", summary="Open311 service requests")
async def service_requests(request: Request, fmt: str, session: SessionDep) -> Response:
    """Visible reports (never secret ones, never identity), newest first."""

    async def build(settings: Settings) -> Response:
        params = request.query_params
        wanted = RequestFilter(
            numbers=listed(params, "service_request_id"),
            service_codes=listed(params, "service_code"),
            statuses=statuses_of(listed(params, "status")) if params.get("status") else [],
            start=moment(params, "start_date"),
            end=moment(params, "end_date"),
            updated_after=moment(params, "updated_after"),
            page=whole_number(params, "page", 1, 1_000_000),
            page_size=whole_number(params, "page_size", settings.page_size_default, settings.page_size_max),
        )
        extensions = flag(params, "extensions")
        rows = await find_requests(session, wanted, utcnow())
        return await _requests_answer(session, fmt, rows, settings, extensions)

    return await _answered(request, fmt, build)


async def _requests_answer(
    session: SessionDep, fmt: str, rows: list[Any], settings: Settings, extensions: bool
) -> Response:
    tz = ZoneInfo(settings.timezone)
    # A description may name its reporter (text from national LAPOR, a channel's transcript):
    # Open311 is public, so the reporter's identity in it is masked for everyone.
    reporters = await reporters_of(session, [row[0].id for row in rows])
    shapes = [
        request_shape(row, tz, settings.open311_agency_name, extensions, reporters.get(row[0].id))
        for row in rows
    ]
    return answer(fmt, "service_requests", shapes)


@router.get("/requests/{number}.{fmt}", summary="Open311 service request")
async def service_request(request: Request, number: str, fmt: str, session: SessionDep) -> Response:
    """One request, as a list of one."""

    async def build(settings: Settings) -> Response:
        extensions = flag(request.query_params, "extensions")
        rows = await find_requests(session, RequestFilter(numbers=[number]), utcnow())
        if not rows:
            raise Open311Error(404, f"no service request {number!r}")
        return await _requests_answer(session, fmt, rows, settings, extensions)

    return await _answered(request, fmt, build)


@router.post(
    "/requests.{fmt}",
    summary="Open311: create a service request",
    status_code=201,
    responses={201: {"description": "Filed: its service_request_id and token", "content": _BOTH}},
)
async def create_service_request(request: Request, fmt: str, session: SessionDep) -> Response:
    """File a report from a form-encoded request; `api_key` is an intake or admin key."""

    async def build(settings: Settings) -> Response:
        form = await read_form(request)
        raw_key = str(form.get("api_key") or "")
        try:
            principal = await known_principal(runtime_of(request.app), raw_key, session) if raw_key else None
        except AppError:
            principal = None
        if principal is None or principal.role not in FILERS:
            raise Open311Error(403, "api_key is missing, unknown, revoked or may not file requests")
        await count_request(session, principal.key_id, settings.rate_limit_per_minute, utcnow())
        await session.commit()
        if (
            form.get("jurisdiction_id") or settings.open311_jurisdiction_id
        ) != settings.open311_jurisdiction_id:
            raise Open311Error(404, "unknown jurisdiction_id")
        filed = await file_request(session, form, principal, settings, request.app.state.runtime.sla)
        await session.commit()
        body = [{"service_request_id": filed.tracking_number, "token": str(filed.id), "service_notice": "",
                 "account_id": None}]  # fmt: skip
        return answer(fmt, "service_requests", body, status=201)

    return await _answered(request, fmt, build)


@router.get("/tokens/{token}.{fmt}", summary="Open311: the request behind a token")
async def token(request: Request, token: str, fmt: str, session: SessionDep) -> Response:
    """The service_request_id a POST's token stands for."""

    async def build(_: Settings) -> Response:
        number = None
        if token.isascii() and token.isdigit() and int(token) < 2**31:
            number = (
                await session.execute(
                    select(col(Report.tracking_number)).where(
                        col(Report.id) == int(token), ~col(Report.is_secret)
                    )
                )
            ).scalar_one_or_none()
        if number is None:
            raise Open311Error(404, f"unknown token {token!r}")
        return answer(fmt, "service_requests", [{"service_request_id": number, "token": token}])

    return await _answered(request, fmt, build)


@router.get("/servicerequestupdates.{fmt}", summary="mySociety extension: request updates")
async def service_request_updates(request: Request, fmt: str, session: SessionDep) -> Response:
    """Status changes and follow-ups between start_date and end_date (default the last 90 days)."""

    async def build(settings: Settings) -> Response:
        params = request.query_params
        start, end = date_range(moment(params, "start_date"), moment(params, "end_date"), utcnow())
        updates = await find_updates(session, start, end, ZoneInfo(settings.timezone))
        return answer(fmt, "service_request_updates", updates)

    return await _answered(request, fmt, build)
