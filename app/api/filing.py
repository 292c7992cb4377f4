"""Filing a report: `POST /api/v1/reports`, the service's busiest write.

The endpoint takes the request itself rather than FastAPI dependencies and a body model, and on
PostgreSQL it files with one statement on the driver's connection (`file_on_postgresql`): the
work per request is then mostly the database's. It keeps every rule of the other endpoints: the
key (401), the rate limit (429), the role (403), the body (400/422, same error shape), the
`Idempotency-Key`. Replays and refusals, which are rare, are answered through a session.
"""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.api.deps import current_principal, known_principal, presented_key
from app.api.render import render_filed, render_report
from app.api.report_schemas import ReportCreate, ReportOut
from app.api.similar import FiledReportOut, similar_out, similar_query
from app.config import Settings
from app.errors import AppError, Conflict, Forbidden, Unprocessable
from app.keys import Principal
from app.models import IdempotencyRecord
from app.models.enums import Role
from app.models.types import utcnow
from app.ratelimit import count_request_on_driver
from app.reports.deadlines import SlaPolicy
from app.reports.filing import Filed, Idempotency, NewReport, file_on_postgresql
from app.reports.lookup_code import hash_lookup_code, new_lookup_code
from app.reports.queries import get_visible
from app.reports.service import category_for_filing, file_report
from app.reports.similar import SimilarReport, find_similar, find_similar_on_driver

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

FILERS = frozenset({Role.admin, Role.intake})
IDEMPOTENCY_KEY_MAX = 200
# Attempts at filing when the statement wrote nothing and, read again, neither the category nor
# the Idempotency-Key explains it (each changed in between): then the request is filed again.
FILING_ATTEMPTS = 3


def request_body_schema() -> dict[str, Any]:
    """The OpenAPI request body of this endpoint (FastAPI does not read the body itself here)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportCreate"}}},
        }
    }


def add_request_schemas(openapi: dict[str, Any]) -> None:
    """Put `ReportCreate` (and the models inside it) into an OpenAPI document's components."""
    schema = ReportCreate.model_json_schema(ref_template="#/components/schemas/{model}")
    components = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name, part in {**schema.pop("$defs", {}), "ReportCreate": schema}.items():
        if components.setdefault(name, part) != part:
            raise RuntimeError(f"two different OpenAPI schemas are named {name!r}")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FiledReportOut,
    summary="File a report",
    responses={
        201: {
            "headers": {
                "Location": {"schema": {"type": "string"}, "description": "The new report's URL"},
                "ETag": {"schema": {"type": "string"}, "description": "Its version, for If-Match"},
                "Idempotent-Replayed": {
                    "schema": {"type": "string"},
                    "description": "`true` when this answers an earlier request with the same key",
                },
            }
        },
        429: {"description": "Over the key's requests per minute (see `Retry-After`)"},
    },
    openapi_extra={
        **request_body_schema(),
        "security": [{"APIKeyHeader": []}],  # the scheme of app.api.deps.api_key_header
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
                "description": "Repeat a request with the same key and body to get its first answer.",
            }
        ],
    },
)
async def create_report(request: Request) -> Response:
    """File a report from a regency channel. Repeat with the same `Idempotency-Key` safely."""
    state = request.app.state
    raw_key = presented_key(request, request.headers.get("x-api-key"))
    if state.filing_sinks is None:  # SQLite, or a sink that cannot write inside the statement
        async with state.sessions() as session:
            principal = await current_principal(request, session, raw_key)
            body, idempotency = await _accepted(request, principal)
            return await _file_in_session(session, state.settings, state.sla, principal, body, idempotency)
    principal = await known_principal(request, raw_key, None)
    refusal: AppError | RequestValidationError | None = None
    try:
        body, idempotency = await _accepted(request, principal)
    except (AppError, RequestValidationError) as refused:
        refusal = refused  # counted against the rate limit first, like any other request
    if refusal is not None:
        async with state.driver_pool.acquire() as conn:
            await _count(conn, state.settings, principal)
        raise refusal
    return await _file_on_postgresql(request, principal, body, idempotency)


async def _accepted(request: Request, principal: Principal) -> tuple[ReportCreate, Idempotency | None]:
    """The body and the Idempotency-Key of a caller allowed to file; 403, 400 or 422 otherwise."""
    if principal.role not in FILERS:
        names = ", ".join(sorted(r.value for r in FILERS))
        raise Forbidden(f"role {principal.role.value!r} may not do this (needs one of: {names})")
    key = request.headers.get("idempotency-key") or None
    if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
        raise RequestValidationError(
            [
                {
                    "type": "string_too_long",
                    "loc": ("header", "idempotency-key"),
                    "msg": f"String should have at most {IDEMPOTENCY_KEY_MAX} characters",
                    "input": None,  # not echoed
                }
            ]
        )
    try:
        body = ReportCreate.model_validate_json(await request.body())
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    return body, Idempotency(key, digest) if key is not None else None


def _new_report(body: ReportCreate, lookup_code: str) -> NewReport:
    location = body.location
    return NewReport(
        lookup_code_hash=hash_lookup_code(lookup_code),
        kind=body.kind.value,
        title=body.title,
        content=body.content,
        channel=body.channel.value,
        category_code=body.category_code,
        district_code=location.district_code if location else None,
        village_code=location.village_code if location else None,
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        incident_date=body.incident_date,
        is_anonymous=body.is_anonymous,
        is_secret=body.is_secret,
        reporter=body.reporter.model_dump() if body.reporter else {},
    )


async def _count(conn: Any, settings: Settings, principal: Principal) -> None:
    await count_request_on_driver(conn, principal.key_id, settings.rate_limit_per_minute, utcnow())


async def _file_on_postgresql(
    request: Request, principal: Principal, body: ReportCreate, idempotency: Idempotency | None
) -> Response:
    """The request counted and the report filed, each in one statement on one connection."""
    state = request.app.state
    settings: Settings = state.settings
    code = new_lookup_code()
    new = _new_report(body, code)
    for attempt in range(FILING_ATTEMPTS):
        try:
            async with state.driver_pool.acquire() as conn:
                if attempt == 0:  # the request counts once, however many attempts it takes
                    await _count(conn, settings, principal)
                report = await file_on_postgresql(
                    conn,
                    new,
                    filed_by_key_id=principal.key_id,
                    actor=principal.actor,
                    prefix=settings.tracking_prefix,
                    tz=ZoneInfo(settings.timezone),
                    policy=state.sla,
                    sinks=state.filing_sinks,
                    idempotency=idempotency,
                    now=utcnow(),
                )
                similar = await _similar_on_driver(conn, new, report)
        except asyncpg.IntegrityConstraintViolationError:
            if idempotency is None:
                raise Conflict("the change clashes with data already stored") from None
            report = None  # another request with the same key won the race: answer as it did
        if report is not None:
            return _filed_answer(principal, report, new, code, similar)
        async with state.sessions() as session:
            replayed = await _replayed(session, principal, idempotency)
            if replayed is not None:
                return replayed
            await category_for_filing(session, new.category_code)  # 422, saying why, if refused
        # Neither explains it any more (changed in between): file again.
    raise Conflict("the report could not be filed while its category or key kept changing; retry")


async def _file_in_session(
    session: AsyncSession,
    settings: Settings,
    sla: SlaPolicy,
    principal: Principal,
    body: ReportCreate,
    idempotency: Idempotency | None,
) -> Response:
    """Filing statement by statement in one transaction of the session (the general path)."""
    replayed = await _replayed(session, principal, idempotency)
    if replayed is not None:
        return replayed
    code = new_lookup_code()
    new = _new_report(body, code)
    try:
        report = await file_report(
            session,
            new,
            filed_by_key_id=principal.key_id,
            actor=principal.actor,
            prefix=settings.tracking_prefix,
            tz=ZoneInfo(settings.timezone),
            policy=sla,
        )
        if idempotency is not None:
            session.add(
                IdempotencyRecord(
                    api_key_id=principal.key_id,
                    key=idempotency.key,
                    request_hash=idempotency.request_hash,
                    report_id=report.id or 0,
                )
            )
            await session.flush()
        await session.commit()
    except IntegrityError:
        # Another request with the same key won the race: answer as it did.
        await session.rollback()
        replayed = await _replayed(session, principal, idempotency)
        if replayed is None:
            raise
        return replayed
    query = similar_query(new.title, new.content, new.category_code, new.latitude, new.longitude)
    similar = await find_similar(session, query, utcnow(), report.id) if query else []
    return _filed_answer(principal, report, new, code, similar)


async def _similar_on_driver(conn: Any, new: NewReport, report: Filed | None) -> list[SimilarReport]:
    """Reports like the one just filed, on the filing's connection."""
    query = similar_query(new.title, new.content, new.category_code, new.latitude, new.longitude)
    if report is None or query is None:
        return []
    return await find_similar_on_driver(conn, query, utcnow(), report.id)


async def _replayed(
    session: AsyncSession, principal: Principal, idempotency: Idempotency | None
) -> Response | None:
    """The answer to the earlier request with this Idempotency-Key, if there was one; 422 when it
    came with a different body."""
    if idempotency is None:
        return None
    record = (
        await session.execute(
            select(col(IdempotencyRecord.request_hash), col(IdempotencyRecord.report_id)).where(
                col(IdempotencyRecord.api_key_id) == principal.key_id,
                col(IdempotencyRecord.key) == idempotency.key,
            )
        )
    ).one_or_none()
    if record is None:
        return None
    if record.request_hash != idempotency.request_hash:
        raise Unprocessable("this Idempotency-Key was already used with a different body; use a new key")
    report = await get_visible(session, principal, report_id=record.report_id)
    out = await render_report(session, principal, report)
    return _json(
        out,
        {
            "Location": f"/api/v1/reports/{report.id}",
            "ETag": f'"{report.version}"',
            "Idempotent-Replayed": "true",
        },
    )


def _filed_answer(
    principal: Principal, report: Filed, new: NewReport, code: str, similar: list[SimilarReport]
) -> Response:
    filed = render_filed(principal, report, new.category_code, new.reporter)
    out = FiledReportOut(**filed.__dict__, lookup_code=code, similar=similar_out(similar))
    return _json(out, {"Location": f"/api/v1/reports/{report.id}", "ETag": f'"{report.version}"'})


def _json(out: ReportOut, headers: dict[str, str]) -> Response:
    return Response(out.model_dump_json(), status_code=201, headers=headers, media_type="application/json")
