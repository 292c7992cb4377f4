"""Turning table rows into the API's report shapes, with identity only where entitled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access.principals import Principal
from app.api.report_schemas import (
    DeadlinesOut,
    LocationOut,
    NationalLink,
    ReporterOut,
    ReportOut,
    ReportPage,
    status_label,
)
from app.models import Agency, Category, Report, Reporter
from app.models.enums import Channel, Origin, ReportKind, ReportStatus
from app.models.types import utcnow
from app.reports.access import can_see_identity
from app.reports.deadlines import missed_deadlines
from app.reports.filing import Filed
from app.reports.queries import REPORTER_COLUMNS, ROW_COLUMNS


async def agency_codes(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """Agency codes by id, in one query."""
    if not ids:
        return {}
    rows = await session.execute(select(col(Agency.id), col(Agency.code)).where(col(Agency.id).in_(ids)))
    return {row.id: row.code for row in rows}


async def render_reports(
    session: AsyncSession, principal: Principal, reports: Sequence[Report]
) -> list[ReportOut]:
    """The API form of reports: codes looked up in batches, identity filtered per report."""
    agencies = await agency_codes(session, {r.agency_id for r in reports if r.agency_id})
    category_ids = {r.category_id for r in reports if r.category_id}
    categories: dict[int, str] = {}
    if category_ids:
        rows = await session.execute(
            select(col(Category.id), col(Category.code)).where(col(Category.id).in_(category_ids))
        )
        categories = {row.id: row.code for row in rows}
    entitled = [r.id for r in reports if can_see_identity(principal, r)]
    reporters: dict[int, Reporter] = {}
    if entitled:
        found = await session.execute(select(Reporter).where(col(Reporter.report_id).in_(entitled)))
        reporters = {rep.report_id: rep for rep in found.scalars()}
    now = utcnow()
    return [_render(r, agencies, categories, reporters.get(r.id or 0), now) for r in reports]


# Every status's label, looked up once per list row.
_STATUS_LABELS = {status.value: status_label(status.value) for status in ReportStatus}


def render_page(principal: Principal, rows: Sequence[Row[Any]], next_cursor: str | None) -> ReportPage:
    """A list page from `list_report_rows`' rows (codes and entitled reporter joined), validated
    in one go: the same items as `render_reports`, identity filtered per report."""
    now = utcnow()
    # Each row carries every report column these rules read (queries.ROW_COLUMNS).
    items = [_item(principal, row._mapping, cast(Report, row), now) for row in rows]
    return ReportPage.model_validate({"items": items, "next_cursor": next_cursor})


def render_filed(
    principal: Principal, filed: Filed, category_code: str | None, reporter: dict[str, str | None]
) -> ReportOut:
    """The API form of a report just filed, from what was written (no read-back)."""
    row: dict[str, Any] = {name: getattr(filed, name) for name in ROW_COLUMNS}
    row.update(
        category_code=category_code,
        agency_code=None,
        reporter_of=filed.id if any(reporter.values()) else None,
        **{f"reporter_{name}": reporter.get(name) for name in REPORTER_COLUMNS},
    )
    return ReportOut.model_validate(_item(principal, row, cast(Report, filed), utcnow()))


def _item(principal: Principal, m: Mapping[Any, Any], report: Report, now: datetime) -> dict[str, Any]:
    """A report in the API's shape, from a row of `queries.ROW_COLUMNS` with its agency and
    category codes and its reporter (`reporter_of`, `reporter_<field>`); `report` reads the same
    columns as attributes, for the access and deadline rules."""
    national = None
    if m["national_id"] is not None or m["national_tracking_id"] is not None:
        national = {
            "id": m["national_id"],
            "tracking_id": m["national_tracking_id"],
            "status_code": m["national_status_code"],
            "status_name": m["national_status_name"],
        }
    reporter = None
    if m["reporter_of"] is not None and can_see_identity(principal, report):
        reporter = {name: m[f"reporter_{name}"] for name in REPORTER_COLUMNS}
    status = m["status"]
    return {
        "id": m["id"],
        "tracking_number": m["tracking_number"],
        "kind": m["kind"],
        "title": m["title"],
        "content": m["content"],
        "category": m["category_code"] if m["category_id"] else None,
        "location": {
            "district_code": m["district_code"],
            "village_code": m["village_code"],
            "latitude": m["latitude"],
            "longitude": m["longitude"],
        },
        "incident_date": m["incident_date"],
        "channel": m["channel"],
        "is_anonymous": m["is_anonymous"],
        "is_secret": m["is_secret"],
        "agency": m["agency_code"] if m["agency_id"] else None,
        "status": status,
        "status_label": _STATUS_LABELS.get(status) or status,
        "origin": m["origin"],
        "national": national,
        "version": m["version"],
        "created_at": m["created_at"],
        "updated_at": m["updated_at"],
        "deadlines": {
            "disposition_due_at": m["disposition_due_at"],
            "follow_up_due_at": m["follow_up_due_at"],
            "auto_complete_at": m["auto_complete_at"],
            "resolution_due_at": m["resolution_due_at"],
            "overdue": [d.value for d in missed_deadlines(report, now)],
        },
        "reporter": reporter,
    }


async def render_report(session: AsyncSession, principal: Principal, report: Report) -> ReportOut:
    """The API form of one report."""
    return (await render_reports(session, principal, [report]))[0]


def _render(
    report: Report,
    agencies: dict[int, str],
    categories: dict[int, str],
    reporter: Reporter | None,
    now: datetime,
) -> ReportOut:
    national = None
    if report.national_id is not None or report.national_tracking_id is not None:
        national = NationalLink(
            id=report.national_id,
            tracking_id=report.national_tracking_id,
            status_code=report.national_status_code,
            status_name=report.national_status_name,
        )
    return ReportOut(
        id=report.id or 0,
        tracking_number=report.tracking_number,
        kind=ReportKind(report.kind),
        title=report.title,
        content=report.content,
        category=categories.get(report.category_id) if report.category_id else None,
        location=LocationOut(
            district_code=report.district_code,
            village_code=report.village_code,
            latitude=report.latitude,
            longitude=report.longitude,
        ),
        incident_date=report.incident_date,
        channel=Channel(report.channel),
        is_anonymous=report.is_anonymous,
        is_secret=report.is_secret,
        agency=agencies.get(report.agency_id) if report.agency_id else None,
        status=ReportStatus(report.status),
        status_label=status_label(report.status) or report.status,
        origin=Origin(report.origin),
        national=national,
        version=report.version,
        created_at=report.created_at,
        updated_at=report.updated_at,
        deadlines=DeadlinesOut(
            disposition_due_at=report.disposition_due_at,
            follow_up_due_at=report.follow_up_due_at,
            auto_complete_at=report.auto_complete_at,
            resolution_due_at=report.resolution_due_at,
            overdue=[d.value for d in missed_deadlines(report, now)],
        ),
        reporter=(
            ReporterOut(
                name=reporter.name,
                nik=reporter.nik,
                phone=reporter.phone,
                email=reporter.email,
                address=reporter.address,
            )
            if reporter is not None
            else None
        ),
    )
