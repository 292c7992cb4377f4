"""Report endpoints: file, read, list and search."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query, Response, status
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.api.deps import CurrentKey, IdPath, SessionDep, SettingsDep, SlaDep, require_roles
from app.api.render import render_filed, render_page, render_report
from app.api.report_schemas import ReportCreate, ReportOut, ReportPage
from app.errors import Unprocessable
from app.keys import Principal
from app.models import IdempotencyRecord
from app.models.enums import Channel, Origin, ReportKind, ReportStatus, Role
from app.reports.deadlines import Deadline
from app.reports.queries import ReportFilter, get_visible, list_report_rows
from app.reports.service import NewReport, file_report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

FilerKey = Annotated[Principal, Depends(require_roles(Role.admin, Role.intake))]


def _request_hash(body: ReportCreate) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def _replay(session: SessionDep, principal: Principal, key: str, digest: str) -> int | None:
    """The report a previous request with this key created, or None; 422 if the body differs."""
    record = (
        await session.execute(
            select(IdempotencyRecord).where(
                col(IdempotencyRecord.api_key_id) == principal.key_id,
                col(IdempotencyRecord.key) == key,
            )
        )
    ).scalar_one_or_none()
    if record is None:
        return None
    if record.request_hash != digest:
        raise Unprocessable("this Idempotency-Key was already used with a different body; use a new key")
    return record.report_id


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportOut,
    summary="File a report",
    responses={201: {"headers": {"Idempotent-Replayed": {"schema": {"type": "string"}}}}},
)
async def create_report(
    body: ReportCreate,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    sla: SlaDep,
    principal: FilerKey,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ReportOut:
    """File a report from a regency channel. Repeat with the same `Idempotency-Key` safely."""
    digest = _request_hash(body)
    if idempotency_key:
        replayed = await _replay(session, principal, idempotency_key, digest)
        if replayed is not None:
            response.headers["Idempotent-Replayed"] = "true"
            return await render_report(
                session, principal, await get_visible(session, principal, report_id=replayed)
            )
    location = body.location
    new = NewReport(
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
        if idempotency_key:
            session.add(
                IdempotencyRecord(
                    api_key_id=principal.key_id,
                    key=idempotency_key,
                    request_hash=digest,
                    report_id=report.id or 0,
                )
            )
            await session.flush()
        await session.commit()
    except IntegrityError:
        # Another request with the same key won the race: answer as it did.
        await session.rollback()
        if not idempotency_key:
            raise
        replayed = await _replay(session, principal, idempotency_key, digest)
        if replayed is None:
            raise
        response.headers["Idempotent-Replayed"] = "true"
        return await render_report(
            session, principal, await get_visible(session, principal, report_id=replayed)
        )
    response.headers["Location"] = f"/api/v1/reports/{report.id}"
    response.headers["ETag"] = f'"{report.version}"'
    return render_filed(principal, report, body.category_code, new.reporter)


async def report_filter(
    status_: Annotated[list[ReportStatus] | None, Query(alias="status")] = None,
    kind: ReportKind | None = None,
    agency: Annotated[str | None, Query(max_length=32, description="agency code")] = None,
    category: Annotated[str | None, Query(max_length=32, description="category code")] = None,
    channel: Channel | None = None,
    origin: Origin | None = None,
    created_from: Annotated[datetime | None, Query(description="ISO 8601 with offset")] = None,
    created_to: Annotated[datetime | None, Query(description="ISO 8601 with offset (exclusive)")] = None,
    district: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=200, description="free text")] = None,
    overdue: Annotated[
        str | None,
        Query(
            pattern="^(true|false|disposition|follow_up|resolution)$",
            description="`true`: past any deadline; or one deadline: disposition, follow_up, resolution",
        ),
    ] = None,
    order: Annotated[str, Query(pattern="^(newest|oldest)$")] = "newest",
) -> ReportFilter:
    """The report filters shared by the list and the export."""
    for stamp in (created_from, created_to):
        if stamp is not None and stamp.tzinfo is None:
            raise Unprocessable(
                "created_from/created_to need a time-zone offset, e.g. 2026-11-01T00:00:00+07:00"
            )
    return ReportFilter(
        status=[s.value for s in status_] if status_ else None,
        kind=kind.value if kind else None,
        agency_code=agency,
        category_code=category,
        channel=channel.value if channel else None,
        origin=origin.value if origin else None,
        created_from=created_from,
        created_to=created_to,
        district_code=district,
        text=q,
        overdue=_overdue_filter(overdue),
        oldest_first=order == "oldest",
    )


ReportFilterDep = Annotated[ReportFilter, Depends(report_filter)]


@router.get("", response_model=ReportPage, summary="List and search reports")
async def get_reports(
    session: SessionDep,
    settings: SettingsDep,
    principal: CurrentKey,
    flt: ReportFilterDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> ReportPage:
    """Reports the caller may see, filtered, newest first, one keyset page at a time."""
    page_size = min(limit or settings.page_size_default, settings.page_size_max)
    rows, next_cursor = await list_report_rows(session, principal, flt, limit=page_size, cursor=cursor)
    return render_page(principal, rows, next_cursor)


def _overdue_filter(value: str | None) -> Deadline | Literal["any", "none"] | None:
    if value is None:
        return None
    from_boolean: dict[str, Literal["any", "none"]] = {"true": "any", "false": "none"}
    return from_boolean.get(value) or Deadline(value)


@router.get(
    "/by-number/{tracking_number}", response_model=ReportOut, summary="Get a report by tracking number"
)
async def get_report_by_number(
    tracking_number: str, response: Response, session: SessionDep, principal: CurrentKey
) -> ReportOut:
    """One report by its public tracking number."""
    report = await get_visible(session, principal, number=tracking_number)
    response.headers["ETag"] = f'"{report.version}"'
    return await render_report(session, principal, report)


@router.get("/{report_id}", response_model=ReportOut, summary="Get a report")
async def get_report(
    report_id: IdPath, response: Response, session: SessionDep, principal: CurrentKey
) -> ReportOut:
    """One report by id; its `ETag` is the version to send back in `If-Match`."""
    report = await get_visible(session, principal, report_id=report_id)
    response.headers["ETag"] = f'"{report.version}"'
    return await render_report(session, principal, report)
