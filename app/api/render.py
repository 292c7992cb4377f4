"""Turning table rows into the API's report shapes, with identity only where entitled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.api.report_schemas import (
    DeadlinesOut,
    LocationOut,
    NationalLink,
    ReporterOut,
    ReportOut,
    status_label,
)
from app.keys import Principal
from app.models import Agency, Category, Report, Reporter
from app.models.enums import Channel, Origin, ReportKind, ReportStatus
from app.models.types import utcnow
from app.reports.access import can_see_identity
from app.reports.deadlines import missed_deadlines


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


def render_filed(
    principal: Principal, report: Report, category_code: str | None, reporter: dict[str, str | None]
) -> ReportOut:
    """The API form of a report just filed, from what was written (no read-back)."""
    categories = {report.category_id: category_code} if report.category_id and category_code else {}
    shown = None
    if reporter and any(reporter.values()) and can_see_identity(principal, report):
        shown = Reporter(
            report_id=report.id or 0,
            name=reporter.get("name"),
            nik=reporter.get("nik"),
            phone=reporter.get("phone"),
            email=reporter.get("email"),
            address=reporter.get("address"),
        )
    return _render(report, {}, categories, shown, utcnow())


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
