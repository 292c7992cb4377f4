"""Reading reports: by id or number, filtered lists with keyset pagination, free text."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    func,
    literal,
    literal_column,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access.principals import Principal
from app.core.errors import NotFound, Unprocessable
from app.models import Agency, Category, Report
from app.models.types import MAX_ID, UTCDateTime, storable_instant, utcnow
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
    """The position a cursor names; a clear error for a damaged or made-up one.

    Checked strictly (a datetime with an offset within the storable range, an id within the
    integer columns' range) rather than trusted: a cursor comes back from the client.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, report_id = orjson.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(created, str) or type(report_id) is not int:
            raise ValueError("not a cursor")
        created_at = datetime.fromisoformat(created)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise Unprocessable("the cursor is not one this service gave out") from exc
    if not storable_instant(created_at) or not 1 <= report_id <= MAX_ID:
        raise Unprocessable("the cursor is not one this service gave out")
    return created_at, report_id


# PostgreSQL full text: the stored `indonesian` tsvector of title and content (migration 0007),
# with its own GIN index. Named `reports_fts_*`, it lives outside the models (like SQLite's FTS5
# table) and is referred to by name.
FTS_VECTOR = literal_column("reports.reports_fts_vector", TSVECTOR)
_FTS_CONFIG = literal_column("'indonesian'", REGCONFIG)

# A search first looks for its page among the next reports in list order (this many pages' worth,
# whatever the other filters), and falls back to the full-text index only when fewer than a page
# of them match. Common words fill a page within the first few hundred reports; left to itself,
# the planner (which underestimates how often words occur together) would fetch and sort every
# match the index finds. A miss costs at most the window's walk.
SEARCH_WINDOW_PAGES = 100


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session runs on PostgreSQL (full text differs by database)."""
    return session.get_bind().dialect.name == "postgresql"


def fts_matches(vector: ColumnElement[Any], query_text: str) -> ColumnElement[bool]:
    """`vector @@ websearch_to_tsquery('indonesian', query_text)`."""
    condition: ColumnElement[bool] = vector.bool_op("@@")(func.websearch_to_tsquery(_FTS_CONFIG, query_text))
    return condition


def text_condition(session: AsyncSession, query_text: str) -> ColumnElement[bool]:
    """Full-text match: PostgreSQL `indonesian` tsvector (GIN index) or SQLite FTS5."""
    if is_postgresql(session):
        return fts_matches(FTS_VECTOR, query_text)
    terms = [t for t in query_text.replace('"', " ").split() if t]
    fts_query = " ".join(f'"{t}"*' for t in terms) or '""'
    return col(Report.id).in_(
        text("SELECT rowid FROM reports_fts WHERE reports_fts MATCH :fts_query").bindparams(
            fts_query=fts_query
        )
    )


def filter_conditions(principal: Principal, flt: ReportFilter) -> list[ColumnElement[bool]]:
    """The filters other than free text, as SQL conditions on `reports`."""
    conditions: list[ColumnElement[bool]] = [visible_filter(principal)]
    if flt.status:
        conditions.append(col(Report.status).in_(flt.status))
    if flt.kind:
        conditions.append(col(Report.kind) == flt.kind)
    if flt.agency_code:
        agency_ids = select(col(Agency.id)).where(col(Agency.code) == flt.agency_code)
        conditions.append(col(Report.agency_id) == agency_ids.scalar_subquery())
    if flt.category_code:
        category_ids = select(col(Category.id)).where(col(Category.code) == flt.category_code)
        conditions.append(col(Report.category_id) == category_ids.scalar_subquery())
    if flt.channel:
        conditions.append(col(Report.channel) == flt.channel)
    if flt.origin:
        conditions.append(col(Report.origin) == flt.origin)
    if flt.district_code:
        conditions.append(col(Report.district_code) == flt.district_code)
    if flt.created_from:
        conditions.append(col(Report.created_at) >= flt.created_from)
    if flt.created_to:
        conditions.append(col(Report.created_at) < flt.created_to)
    if flt.overdue == "none":
        conditions.append(~overdue(utcnow()))
    elif flt.overdue is not None:
        conditions.append(overdue(utcnow(), None if flt.overdue == "any" else flt.overdue))
    return conditions


def search_text(flt: ReportFilter) -> str | None:
    """The free text asked for, trimmed; None when there is none."""
    return flt.text.strip() if flt.text and flt.text.strip() else None


def filtered_query(session: AsyncSession, principal: Principal, flt: ReportFilter) -> Select[Report]:
    """Every report the filter keeps for this caller, in list order (an ORM query)."""
    query = select(Report).where(*filter_conditions(principal, flt))
    if (search := search_text(flt)) is not None:
        query = query.where(text_condition(session, search))
    return ordered(query, flt)


def after_cursor(flt: ReportFilter, cursor: str | None) -> list[ColumnElement[bool]]:
    """The keyset condition: rows after the cursor's position in list order."""
    if not cursor:
        return []
    created_at, report_id = decode_cursor(cursor)
    key = tuple_(col(Report.created_at), col(Report.id))
    position = tuple_(literal(created_at, UTCDateTime()), literal(report_id))
    return [key > position if flt.oldest_first else key < position]


def next_cursor(rows: Sequence[Any], limit: int) -> str | None:
    """The cursor after a page fetched with `limit + 1` rows (None when it was the last)."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(last.created_at, last.id or 0)


async def list_reports(
    session: AsyncSession, principal: Principal, flt: ReportFilter, *, limit: int, cursor: str | None
) -> tuple[list[Report], str | None]:
    """One page of reports, newest first unless asked otherwise, and the next page's cursor."""
    query = filtered_query(session, principal, flt).where(*after_cursor(flt, cursor))
    rows = list((await session.execute(query.limit(limit + 1))).scalars())
    return rows[:limit], next_cursor(rows, limit)


def ordered(query: Select[Any], flt: ReportFilter, source: FromClause | None = None) -> Select[Any]:
    """The query in list order (created_at, id), over `reports` or the given source."""
    created_at = source.c.created_at if source is not None else col(Report.created_at)
    report_id = source.c.id if source is not None else col(Report.id)
    if flt.oldest_first:
        return query.order_by(created_at.asc(), report_id.asc())
    return query.order_by(created_at.desc(), report_id.desc())


async def count_reports(session: AsyncSession, principal: Principal, flt: ReportFilter) -> int:
    """How many reports match, for callers that ask for a total."""
    sub = filtered_query(session, principal, flt).subquery()
    return int((await session.execute(select(func.count()).select_from(sub))).scalar_one())
