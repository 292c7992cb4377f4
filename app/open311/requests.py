"""Service requests and their updates as Open311 shows them: never identity, never a secret one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.api.report_schemas import status_label
from app.models import Agency, Category, FollowUp, Report, Reporter, StatusEvent
from app.models.enums import CLOSED_STATUSES, ReportStatus
from app.open311.render import Open311Error
from app.reports.erasure import ERASE_REPORTER
from app.reports.identity_guard import mask_identity, reporters_of

MAX_SPAN = timedelta(days=90)


def open311_status(status: str) -> str:
    """`open` or `closed`."""
    return "closed" if status in CLOSED_STATUSES else "open"


def statuses_of(names: list[str]) -> list[str]:
    """The local statuses behind Open311's `open` / `closed`; 400 for another name."""
    unknown = set(names) - {"open", "closed"}
    if unknown:
        raise Open311Error(400, f"status must be open or closed, not {sorted(unknown)}")
    return [s.value for s in ReportStatus if open311_status(s.value) in names]


def date_range(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The spec's window: at most 90 days, the last 90 when neither end is given."""
    if start is None and end is None:
        return now - MAX_SPAN, now
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = min(now, start + MAX_SPAN)
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


@dataclass
class RequestFilter:
    """The query of `GET requests`."""

    numbers: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    page: int = 1
    page_size: int = 50


def _base() -> Select[Report, str, str, str]:
    query: Select[Report, str, str, str] = (
        select(Report, col(Category.code), col(Category.name), col(Agency.name).label("agency_name"))
        .outerjoin(Category, col(Category.id) == col(Report.category_id))
        .outerjoin(Agency, col(Agency.id) == col(Report.agency_id))
        .where(col(Report.is_secret) == False)  # noqa: E712
    )
    return query


async def find_requests(session: AsyncSession, wanted: RequestFilter, now: datetime) -> list[Any]:
    """Rows (report, category code and name, agency name) in the spec's order, newest first."""
    query = _base()
    if wanted.numbers:  # the spec: service_request_id overrides every other parameter
        query = query.where(col(Report.tracking_number).in_(wanted.numbers))
    else:
        start, end = date_range(wanted.start, wanted.end, now)
        query = query.where(col(Report.created_at) >= start, col(Report.created_at) <= end)
        if wanted.service_codes:
            query = query.where(col(Category.code).in_(wanted.service_codes))
        if wanted.statuses:
            query = query.where(col(Report.status).in_(wanted.statuses))
        if wanted.updated_after is not None:
            query = query.where(col(Report.updated_at) > wanted.updated_after)
        query = query.offset((wanted.page - 1) * wanted.page_size).limit(wanted.page_size)
    query = query.order_by(col(Report.created_at).desc(), col(Report.id).desc())
    return list((await session.execute(query)).all())


def _when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment is not None else None


def request_shape(
    row: Any, tz: ZoneInfo, fallback_agency: str, extensions: bool, reporter: Reporter | None = None
) -> dict[str, Any]:
    """One service request in the spec's fields (and `extended_attributes` when asked); the
    reporter's identity (and any NIK-shaped number) in its texts masked."""
    report: Report = row[0]
    shape: dict[str, Any] = {
        "service_request_id": report.tracking_number,
        "status": open311_status(report.status),
        "status_notes": status_label(report.status) or report.status,
        "service_name": row[2] or "",
        "service_code": row[1] or "",
        "description": mask_identity(report.content, reporter),
        "agency_responsible": row.agency_name or fallback_agency,
        "service_notice": "",
        "requested_datetime": _when(report.created_at, tz),
        "updated_datetime": _when(report.updated_at, tz),
        "expected_datetime": _when(report.resolution_due_at, tz),
        "address": report.address_string or "",
        "address_id": "",
        "zipcode": "",
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": report.media_url or "",
    }
    if extensions:
        shape["extended_attributes"] = {
            "title": mask_identity(report.title, reporter),
            "kind": report.kind,
            "local_status": report.status,
            "local_status_label": status_label(report.status) or report.status,
            "district_code": report.district_code or "",
        }
    return shape


def _update_status(action: str, to_status: str) -> str:
    if action == "mark_duplicate":
        return "DUPLICATE"
    if to_status == ReportStatus.completed:
        return "FIXED"
    if to_status in CLOSED_STATUSES:
        return "CLOSED"
    if to_status in (ReportStatus.disposed, ReportStatus.in_progress, ReportStatus.followed_up):
        return "IN_PROGRESS"
    return "OPEN"


async def _moves_and_notes(
    session: AsyncSession, start: datetime, end: datetime
) -> tuple[Sequence[Any], Sequence[Any]]:
    """The status changes (filing aside) and follow-ups of reports that are not secret, in the span."""
    moves = (
        await session.execute(
            select(StatusEvent, col(Report.tracking_number))
            .join(Report, col(Report.id) == col(StatusEvent.report_id))
            .where(col(Report.is_secret) == False)  # noqa: E712
            # Filing is the request itself; an erasure of the reporter's identity is no update of
            # the request, and announcing it would tell the public the reporter asked for it.
            .where(col(StatusEvent.action).not_in(("file", ERASE_REPORTER)))
            .where(col(StatusEvent.created_at) >= start, col(StatusEvent.created_at) <= end)
        )
    ).all()
    notes = (
        await session.execute(
            select(FollowUp, col(Report.tracking_number))
            .join(Report, col(Report.id) == col(FollowUp.report_id))
            .where(col(Report.is_secret) == False)  # noqa: E712
            .where(col(FollowUp.created_at) >= start, col(FollowUp.created_at) <= end)
        )
    ).all()
    return moves, notes


_Update = tuple[datetime, str, str | None, str, str, str]
"""An update: when, its id, the request's number, the spec's status, its text, the local status."""


async def find_updates(
    session: AsyncSession, start: datetime, end: datetime, tz: ZoneInfo
) -> list[dict[str, Any]]:
    """mySociety's request updates: status changes and follow-ups of visible reports, oldest first."""
    moves, notes = await _moves_and_notes(session, start, end)
    # A follow-up from national LAPOR may name the reporter: public, so always masked.
    reporters = await reporters_of(session, {f.report_id for f, _ in notes})
    updates: list[_Update] = [
        (
            e.created_at,
            f"s{e.id}",
            number,
            _update_status(e.action, e.to_status),
            status_label(e.to_status) or "",
            e.to_status,
        )
        for e, number in moves
    ] + [
        (
            f.created_at,
            f"f{f.id}",
            number,
            "IN_PROGRESS",
            mask_identity(f.content, reporters.get(f.report_id)),
            "followed_up",
        )
        for f, number in notes
    ]
    updates.sort(key=lambda u: (u[0], u[1]))
    return [_update_shape(update, tz) for update in updates]


def _update_shape(update: _Update, tz: ZoneInfo) -> dict[str, Any]:
    """One update in the extension's fields."""
    at, update_id, number, status, text, local = update
    return {
        "update_id": update_id,
        "service_request_id": number,
        "status": status,
        "updated_datetime": _when(at, tz),
        "description": text,
        "media_url": "",
        "external_status_code": local,
    }
