"""Reading reports: by id or number, filtered lists with keyset pagination, free text."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import orjson
from sqlalchemy import ColumnElement, Select, func, literal, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.errors import NotFound, Unprocessable
from app.keys import Principal
from app.models import Agency, Category, Report
from app.models.types import UTCDateTime, utcnow
from app.reports.access import can_see, visible_filter
from app.reports.deadlines import Deadline, overdue


async def get_visible(
    session: AsyncSession,
    principal: Principal,
    *,
    report_id: int | None = None,
    number: str | None = None,
    for_update: bool = False,
) -> Report:
    """One report the caller may see; otherwise `NotFound` (never revealing that it exists)."""
    query = select(Report)
    if report_id is not None:
        query = query.where(col(Report.id) == report_id)
        label = f"id {report_id}"
    else:
        query = query.where(col(Report.tracking_number) == number)
        label = f"tracking number {number}"
    if for_update:
        query = query.with_for_update()
    report = (await session.execute(query)).scalar_one_or_none()
    if report is None or not can_see(principal, report):
        raise NotFound(f"no report with {label}")
    return report


@dataclass
class ReportFilter:
    """The list filters of `GET /reports`."""

    status: list[str] | None = None
    kind: str | None = None
    agency_code: str | None = None
    category_code: str | None = None
    channel: str | None = None
    origin: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    district_code: str | None = None
    text: str | None = None
    overdue: Deadline | Literal["any", "none"] | None = None
    oldest_first: bool = False


def encode_cursor(created_at: datetime, report_id: int) -> str:
    """An opaque position after which the next page starts."""
    raw = orjson.dumps([created_at.isoformat(), report_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a cursor names; a clear error for a damaged one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, report_id = orjson.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(created), int(report_id)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise Unprocessable("the cursor is not one this service gave out") from exc


def _text_condition(session: AsyncSession, query_text: str) -> ColumnElement[bool]:
    """Full-text match: PostgreSQL `indonesian` tsvector (GIN index) or SQLite FTS5."""
    if session.get_bind().dialect.name == "postgresql":
        return text(
            "to_tsvector('indonesian', reports.title || ' ' || reports.content)"
            " @@ websearch_to_tsquery('indonesian', :fts_query)"
        ).bindparams(fts_query=query_text)  # type: ignore[return-value]
    terms = [t for t in query_text.replace('"', " ").split() if t]
    fts_query = " ".join(f'"{t}"*' for t in terms) or '""'
    return col(Report.id).in_(
        text("SELECT rowid FROM reports_fts WHERE reports_fts MATCH :fts_query").bindparams(
            fts_query=fts_query
        )
    )


def filtered_query(session: AsyncSession, principal: Principal, flt: ReportFilter) -> Select[Report]:
    query = select(Report).where(visible_filter(principal))
    if flt.status:
        query = query.where(col(Report.status).in_(flt.status))
    if flt.kind:
        query = query.where(col(Report.kind) == flt.kind)
    if flt.agency_code:
        agency_ids = select(col(Agency.id)).where(col(Agency.code) == flt.agency_code)
        query = query.where(col(Report.agency_id) == agency_ids.scalar_subquery())
    if flt.category_code:
        category_ids = select(col(Category.id)).where(col(Category.code) == flt.category_code)
        query = query.where(col(Report.category_id) == category_ids.scalar_subquery())
    if flt.channel:
        query = query.where(col(Report.channel) == flt.channel)
    if flt.origin:
        query = query.where(col(Report.origin) == flt.origin)
    if flt.district_code:
        query = query.where(col(Report.district_code) == flt.district_code)
    if flt.created_from:
        query = query.where(col(Report.created_at) >= flt.created_from)
    if flt.created_to:
        query = query.where(col(Report.created_at) < flt.created_to)
    if flt.overdue == "none":
        query = query.where(~overdue(utcnow()))
    elif flt.overdue is not None:
        query = query.where(overdue(utcnow(), None if flt.overdue == "any" else flt.overdue))
    if flt.text and flt.text.strip():
        query = query.where(_text_condition(session, flt.text.strip()))
    if flt.oldest_first:
        return query.order_by(col(Report.created_at).asc(), col(Report.id).asc())
    return query.order_by(col(Report.created_at).desc(), col(Report.id).desc())


async def list_reports(
    session: AsyncSession, principal: Principal, flt: ReportFilter, *, limit: int, cursor: str | None
) -> tuple[list[Report], str | None]:
    """One page of reports, newest first unless asked otherwise, and the next page's cursor."""
    query = filtered_query(session, principal, flt)
    key = tuple_(col(Report.created_at), col(Report.id))
    if cursor:
        created_at, report_id = decode_cursor(cursor)
        position = tuple_(literal(created_at, UTCDateTime()), literal(report_id))
        query = query.where(key > position if flt.oldest_first else key < position)
    rows = list((await session.execute(query.limit(limit + 1))).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(last.created_at, last.id or 0)
    return rows, next_cursor


async def count_reports(session: AsyncSession, principal: Principal, flt: ReportFilter) -> int:
    """How many reports match, for callers that ask for a total."""
    sub = filtered_query(session, principal, flt).subquery()
    return int((await session.execute(select(func.count()).select_from(sub))).scalar_one())
