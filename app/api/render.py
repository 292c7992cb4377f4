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
    ReportOut,
    ReportPage,
    status_label,
)
from app.models import Agency, Category, Report, Reporter
from app.models.enums import ReportStatus
from app.models.types import utcnow
from app.reports.access import can_see_identity
from app.reports.deadlines import missed_deadlines
from app.reports.filing import Filed
from app.reports.report_rows import REPORTER_COLUMNS, ROW_COLUMNS


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
    return [
        ReportOut.model_validate(
            _item(principal, _row_of(r, agencies, categories, reporters.get(r.id or 0)), r, now)
        )
        for r in reports
    ]


def _row_of(
    report: Report, agencies: dict[int, str], categories: dict[int, str], reporter: Reporter | None
) -> dict[str, Any]:
    """A loaded report as the row `_item` reads: its columns, codes and reporter joined."""
    row: dict[str, Any] = {name: getattr(report, name) for name in ROW_COLUMNS}
    row.update(
        category_code=categories.get(report.category_id) if report.category_id else None,
        agency_code=agencies.get(report.agency_id) if report.agency_id else None,
        reporter_of=report.id if reporter is not None else None,
        **{f"reporter_{name}": getattr(reporter, name, None) for name in REPORTER_COLUMNS},
    )
    return row


# Every status's label, looked up once per list row.
_STATUS_LABELS = {status.value: status_label(status.value) for status in ReportStatus}


def render_page(principal: Principal, rows: Sequence[Row[Any]], next_cursor: str | None) -> ReportPage:
    """A list page from `list_report_rows`' rows (codes and entitled reporter joined), validated
    in one go: the same items as `render_reports`, identity filtered per report."""
    now = utcnow()
    # Each row carries every report column these rules read (queries.ROW_COLUMNS).
    items = [_item(principal, row._mapping, cast(Report, row), now) for row in rows]
    return ReportPage.model_validate({"items": items, "next_cursor": next_cursor})


def filed_item(
    principal: Principal, filed: Filed, category_code: str | None, reporter: dict[str, str | None]
) -> dict[str, Any]:
    """The API form of a report just filed, from what was written (no read-back), as the fields
    that the filing answer validates once with its own (`FiledReportOut`)."""
    row: dict[str, Any] = {name: getattr(filed, name) for name in ROW_COLUMNS}
    row.update(
        category_code=category_code,
        agency_code=None,
        reporter_of=filed.id if any(reporter.values()) else None,
        **{f"reporter_{name}": reporter.get(name) for name in REPORTER_COLUMNS},
    )
    return _item(principal, row, cast(Report, filed), utcnow())


def _item(principal: Principal, m: Mapping[Any, Any], report: Report, now: datetime) -> dict[str, Any]:
    """A report in the API's shape, from a row of `queries.ROW_COLUMNS` with its agency and
    category codes and its reporter (`reporter_of`, `reporter_<field>`); `report` reads the same
    columns as attributes, for the access and deadline rules."""
    reporter = None
    if m["reporter_of"] is not None and can_see_identity(principal, report):
        reporter = {name: m[f"reporter_{name}"] for name in REPORTER_COLUMNS}
    status = m["status"]
    item = {name: m[name] for name in _PLAIN_FIELDS}
    item.update(
        category=m["category_code"] if m["category_id"] else None,
        location={name: m[name] for name in _LOCATION_FIELDS},
        agency=m["agency_code"] if m["agency_id"] else None,
        status_label=_STATUS_LABELS.get(status) or status,
        national=_national(m),
        deadlines={
            **{name: m[name] for name in _DEADLINE_FIELDS},
            "overdue": [d.value for d in missed_deadlines(report, now)],
        },
        reporter=reporter,
    )
    return item


_PLAIN_FIELDS = (
    "id",
    "tracking_number",
    "kind",
    "title",
    "content",
    "incident_date",
    "channel",
    "is_anonymous",
    "is_secret",
    "status",
    "origin",
    "version",
    "created_at",
    "updated_at",
)
_LOCATION_FIELDS = ("district_code", "village_code", "latitude", "longitude")
_DEADLINE_FIELDS = ("disposition_due_at", "follow_up_due_at", "auto_complete_at", "resolution_due_at")


def _national(m: Mapping[Any, Any]) -> dict[str, Any] | None:
    """The link to national LAPOR, for a report that has one."""
    if m["national_id"] is None and m["national_tracking_id"] is None:
        return None
    return {
        "id": m["national_id"],
        "tracking_id": m["national_tracking_id"],
        "status_code": m["national_status_code"],
        "status_name": m["national_status_name"],
    }


async def render_report(session: AsyncSession, principal: Principal, report: Report) -> ReportOut:
    """The API form of one report."""
    return (await render_reports(session, principal, [report]))[0]
