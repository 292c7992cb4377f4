"""Filing a report: `POST /api/v1/reports`, an endpoint like every other one.

The key, the rate limit and the role come from dependencies, the body from `ReportCreate`; the
filing itself is `app.reports.filing.file_report`, the one filing service of every database.
"""

from __future__ import annotations

import hashlib
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from app.access.principals import Principal
from app.api.deps import RuntimeDep, SessionDep, require_roles
from app.api.render import filed_item, render_report
from app.api.report_schemas import ReportCreate
from app.api.similar import FiledReportOut, similar_out, similar_query
from app.core.config import Settings
from app.core.db import READ_ONLY
from app.core.errors import Conflict
from app.models.enums import Role
from app.models.types import utcnow
from app.reports.deadlines import SlaPolicy
from app.reports.filing import Filed, Replayed, file_report
from app.reports.filing_plan import Filer, Idempotency, NewReport, Numbering
from app.reports.lookup_code import lookup_code_again, new_lookup_code
from app.reports.queries import get_visible
from app.reports.similar import SimilarQuery, find_similar

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

IDEMPOTENCY_KEY_MAX = 200
# A filing refused at commit by the records' unique key lost a race with the same
# Idempotency-Key: filing again then answers as the winner did.
FILING_ATTEMPTS = 3

FilerKey = Annotated[Principal, Depends(require_roles(Role.admin, Role.intake))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=IDEMPOTENCY_KEY_MAX,
        description="Repeat a request with the same key and body to get its first answer.",
    ),
]

_HEADERS = {
    "Location": {"schema": {"type": "string"}, "description": "The new report's URL"},
    "ETag": {"schema": {"type": "string"}, "description": "Its version, for If-Match"},
    "Idempotent-Replayed": {
        "schema": {"type": "string"},
        "description": "`true` when this answers an earlier request with the same key",
    },
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FiledReportOut,
    summary="File a report",
    responses={201: {"headers": _HEADERS}, 429: {"description": "Over the key's requests per minute"}},
)
async def create_report(
    body: ReportCreate,
    principal: FilerKey,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> FiledReportOut | JSONResponse:
    """File a report from a regency channel. Repeat with the same `Idempotency-Key` safely.

    The answer carries the reporter's `lookup_code` (only its hash is kept; a replay gives it
    again) and the `similar` reports of its category."""
    settings = runtime.settings
    code, stored_code = new_lookup_code(settings.secret_key.get_secret_value())
    new = new_report(body, stored_code)
    idempotency = _idempotency(body, idempotency_key)
    filer = Filer(principal.key_id, principal.actor)
    numbering = Numbering(settings.tracking_prefix, ZoneInfo(settings.timezone))
    similar = similar_query(new.title, new.content, new.category_code, new.latitude, new.longitude)
    for _ in range(FILING_ATTEMPTS):
        filed = await _attempt(session, new, filer, numbering, runtime.sla, idempotency, similar)
        if isinstance(filed, Replayed):
            return await _replay(session, principal, filed, settings, similar)
        if filed is not None:
            return await _filed(session, response, principal, filed, new, code, similar)
    raise Conflict("the report could not be filed while its Idempotency-Key was in use; retry")


async def _attempt(
    session: SessionDep,
    new: NewReport,
    filer: Filer,
    numbering: Numbering,
    policy: SlaPolicy,
    idempotency: Idempotency | None,
    similar: SimilarQuery | None,
) -> Filed | Replayed | None:
    """One filing, committed; None when it lost a race with the same `Idempotency-Key` (the
    records' unique key refused it at commit), so that the next attempt answers as the winner."""
    if session.get_bind().dialect.name == "postgresql":
        # There the filing is one read and one write statement, each atomic on its own:
        # no transaction around them (no BEGIN, no COMMIT: two round trips, not four).
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    try:
        filed = await file_report(
            session,
            new,
            filer=filer,
            numbering=numbering,
            policy=policy,
            now=utcnow(),
            idempotency=idempotency,
            similar=similar,
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        if idempotency is None:
            raise
        return None
    return filed


def _idempotency(body: ReportCreate, key: str | None) -> Idempotency | None:
    """The request's `Idempotency-Key` with the hash of its body (None without a key)."""
    if not key:
        return None
    return Idempotency(key, hashlib.sha256(body.model_dump_json().encode()).hexdigest())


def new_report(body: ReportCreate, lookup_code_hash: str | None = None) -> NewReport:
    """The filing service's input from the API's body."""
    location = body.location
    return NewReport(
        lookup_code_hash=lookup_code_hash,
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


async def _filed(
    session: SessionDep,
    response: Response,
    principal: Principal,
    filed: Filed,
    new: NewReport,
    code: str,
    query: SimilarQuery | None,
) -> FiledReportOut:
    response.headers["Location"] = f"/api/v1/reports/{filed.id}"
    response.headers["ETag"] = f'"{filed.version}"'
    similar = filed.similar or []
    if filed.similar is None and query is not None:
        # Not read with the filing (SQLite, where that read would hold the write lock): read
        # now, in a read-only transaction that takes no write lock, leaving the new report out.
        await session.connection(execution_options={READ_ONLY: True})
        similar = await find_similar(session, query, utcnow(), filed.id)
    item = filed_item(principal, filed, new.category_code, new.reporter)
    return FiledReportOut.model_validate({**item, "lookup_code": code, "similar": similar_out(similar)})


async def _replay(
    session: SessionDep,
    principal: Principal,
    replayed: Replayed,
    settings: Settings,
    query: SimilarQuery | None,
) -> JSONResponse:
    """The first answer again: the report as it is now, its lookup code derived again, and the
    reports like it now (the body is the first one's: its hash matched)."""
    await session.commit()  # the filing's attempt ends; the replay only reads, taking no write lock
    await session.connection(execution_options={READ_ONLY: True})
    report = await get_visible(session, principal, report_id=replayed.report_id)
    out = await render_report(session, principal, report)
    code = lookup_code_again(settings.secret_key.get_secret_value(), report.lookup_code_hash)
    similar = await find_similar(session, query, utcnow(), report.id) if query is not None else []
    answer = FiledReportOut(**out.__dict__, lookup_code=code, similar=similar_out(similar))
    headers = {
        "Location": f"/api/v1/reports/{report.id}",
        "ETag": f'"{report.version}"',
        "Idempotent-Replayed": "true",
    }
    return JSONResponse(answer.model_dump(mode="json"), status_code=201, headers=headers)
