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
    Row,
    Select,
    Table,
    and_,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import col

from app.access.principals import Principal
from app.core.errors import NotFound, Unprocessable
from app.models import Agency, Category, Report
from app.models.enums import Role
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
_FTS_VECTOR = literal_column("reports.reports_fts_vector", TSVECTOR)
_FTS_CONFIG = literal_column("'indonesian'", REGCONFIG)

# A search first looks for its page among the next reports in list order (this many pages' worth,
# whatever the other filters), and falls back to the full-text index only when fewer than a page
# of them match. Common words fill a page within the first few hundred reports; left to itself,
# the planner (which underestimates how often words occur together) would fetch and sort every
# match the index finds. A miss costs at most the window's walk.
SEARCH_WINDOW_PAGES = 100


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _matches(vector: ColumnElement[Any], query_text: str) -> ColumnElement[bool]:
    """`vector @@ websearch_to_tsquery('indonesian', query_text)`."""
    condition: ColumnElement[bool] = vector.bool_op("@@")(func.websearch_to_tsquery(_FTS_CONFIG, query_text))
    return condition


def _text_condition(session: AsyncSession, query_text: str) -> ColumnElement[bool]:
    """Full-text match: PostgreSQL `indonesian` tsvector (GIN index) or SQLite FTS5."""
    if _is_postgresql(session):
        return _matches(_FTS_VECTOR, query_text)
    terms = [t for t in query_text.replace('"', " ").split() if t]
    fts_query = " ".join(f'"{t}"*' for t in terms) or '""'
    return col(Report.id).in_(
        text("SELECT rowid FROM reports_fts WHERE reports_fts MATCH :fts_query").bindparams(
            fts_query=fts_query
        )
    )


def _conditions(principal: Principal, flt: ReportFilter) -> list[ColumnElement[bool]]:
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


def _search_text(flt: ReportFilter) -> str | None:
    return flt.text.strip() if flt.text and flt.text.strip() else None


def filtered_query(session: AsyncSession, principal: Principal, flt: ReportFilter) -> Select[Report]:
    query = select(Report).where(*_conditions(principal, flt))
    if (search := _search_text(flt)) is not None:
        query = query.where(_text_condition(session, search))
    if flt.oldest_first:
        return query.order_by(col(Report.created_at).asc(), col(Report.id).asc())
    return query.order_by(col(Report.created_at).desc(), col(Report.id).desc())


def _after_cursor(flt: ReportFilter, cursor: str | None) -> list[ColumnElement[bool]]:
    """The keyset condition: rows after the cursor's position in list order."""
    if not cursor:
        return []
    created_at, report_id = decode_cursor(cursor)
    key = tuple_(col(Report.created_at), col(Report.id))
    position = tuple_(literal(created_at, UTCDateTime()), literal(report_id))
    return [key > position if flt.oldest_first else key < position]


def _next_cursor(rows: Sequence[Any], limit: int) -> str | None:
    """The cursor after a page fetched with `limit + 1` rows (None when it was the last)."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(last.created_at, last.id or 0)


async def list_reports(
    session: AsyncSession, principal: Principal, flt: ReportFilter, *, limit: int, cursor: str | None
) -> tuple[list[Report], str | None]:
    """One page of reports, newest first unless asked otherwise, and the next page's cursor."""
    query = filtered_query(session, principal, flt).where(*_after_cursor(flt, cursor))
    rows = list((await session.execute(query.limit(limit + 1))).scalars())
    return rows[:limit], _next_cursor(rows, limit)


# The report columns a listed report is rendered from (see `app.api.render.render_page`).
ROW_COLUMNS = (
    "id",
    "tracking_number",
    "kind",
    "title",
    "content",
    "category_id",
    "district_code",
    "village_code",
    "latitude",
    "longitude",
    "incident_date",
    "channel",
    "is_anonymous",
    "is_secret",
    "agency_id",
    "status",
    "origin",
    "filed_by_key_id",
    "national_id",
    "national_tracking_id",
    "national_status_code",
    "national_status_name",
    "version",
    "created_at",
    "updated_at",
    "disposition_due_at",
    "follow_up_due_at",
    "auto_complete_at",
    "resolution_due_at",
)
# The reporter columns of a listed report, prefixed `reporter_` (`reporter_of`: its report id).
REPORTER_COLUMNS = ("name", "nik", "phone", "email", "address")


def _identity_condition(principal: Principal, source: FromClause) -> ColumnElement[bool] | None:
    """SQL: the listed reports whose reporter identity this caller may see (`can_see_identity`);
    None when it may see none.

    Only narrows what is fetched: the renderer checks `can_see_identity` on every row again.
    """
    match principal.role:
        case Role.admin | Role.coordinator:
            return true()
        case Role.agency if principal.agency_id is not None:
            return and_(
                source.c.agency_id == principal.agency_id,
                source.c.is_anonymous == False,  # noqa: E712
                source.c.is_secret == False,  # noqa: E712
            )
    return None


async def list_report_rows(
    session: AsyncSession, principal: Principal, flt: ReportFilter, *, limit: int, cursor: str | None
) -> tuple[Sequence[Row[Any]], str | None]:
    """One page as plain rows, for the API's list: the `ROW_COLUMNS` of each report, its agency
    and category codes (`agency_code`, `category_code`), and its reporter (`reporter_of` and
    `reporter_<field>`), joined only where the caller may see the identity; and the next cursor.

    The same rows and order as `list_reports`, in one statement (two when a search falls back).
    """
    conditions = _conditions(principal, flt)
    after = _after_cursor(flt, cursor)
    reports = _table("reports")
    search = _search_text(flt)
    if search is not None and _is_postgresql(session):
        # The next reports in list order, however many of them the other filters keep: the
        # cost of a miss is bounded by the window, whatever the filters (see SEARCH_WINDOW_PAGES).
        recent = (
            _ordered(select(reports, _FTS_VECTOR.label("reports_fts_vector")).where(*after), flt)
            .limit(SEARCH_WINDOW_PAGES * (limit + 1))
            .subquery("recent")
        )
        on_recent = ClauseAdapter(recent)  # the filters, on the window's columns
        in_recent = [on_recent.traverse(condition) for condition in conditions]
        in_recent.append(_matches(recent.c.reports_fts_vector, search))
        rows = await _fetch_page(session, principal, flt, recent, in_recent, limit)
        if len(rows) > limit:
            return rows[:limit], _next_cursor(rows, limit)
    if search is not None:
        conditions.append(_text_condition(session, search))
    # A search's matches come from the full-text index unordered: sort and cut the page before
    # joining the codes and reporters, not after.
    rows = await _fetch_page(
        session, principal, flt, reports, [*conditions, *after], limit, page_first=search is not None
    )
    return rows[:limit], _next_cursor(rows, limit)


def _table(name: str) -> Table:
    """A table of the models, for Core statements that return plain rows."""
    return Report.metadata.tables[name]


def _ordered(query: Select[Any], flt: ReportFilter, source: FromClause | None = None) -> Select[Any]:
    """The query in list order (created_at, id), over `reports` or the given source."""
    created_at = source.c.created_at if source is not None else col(Report.created_at)
    report_id = source.c.id if source is not None else col(Report.id)
    if flt.oldest_first:
        return query.order_by(created_at.asc(), report_id.asc())
    return query.order_by(created_at.desc(), report_id.desc())


async def _fetch_page(
    session: AsyncSession,
    principal: Principal,
    flt: ReportFilter,
    source: FromClause,
    conditions: list[ColumnElement[bool]],
    limit: int,
    *,
    page_first: bool = False,
) -> Sequence[Row[Any]]:
    """`limit + 1` rows of `source` (`reports` or a window on it) that meet the conditions, in
    list order, with their agency and category codes and their reporter where entitled.

    The joins go on the same level as the conditions, which suits a source read in list order
    (an index, the window); `page_first` cuts the page in a subquery first and joins after.
    """
    if page_first:
        page = select(*(source.c[name] for name in ROW_COLUMNS)).where(*conditions)
        source, conditions = _ordered(page, flt, source).limit(limit + 1).subquery("page"), []
    agencies, categories = _table("agencies"), _table("categories")
    joined = source.outerjoin(agencies, agencies.c.id == source.c.agency_id).outerjoin(
        categories, categories.c.id == source.c.category_id
    )
    identity = _identity_condition(principal, source)
    reporter_columns: list[ColumnElement[Any]]
    if identity is None:
        reporter_columns = [null().label(f"reporter_{name}") for name in ("of", *REPORTER_COLUMNS)]
    else:
        reporters = _table("reporters")
        joined = joined.outerjoin(reporters, and_(reporters.c.report_id == source.c.id, identity))
        reporter_columns = [reporters.c.report_id.label("reporter_of")] + [
            reporters.c[name].label(f"reporter_{name}") for name in REPORTER_COLUMNS
        ]
    statement: Select[Any] = select(
        *(source.c[name] for name in ROW_COLUMNS),
        agencies.c.code.label("agency_code"),
        categories.c.code.label("category_code"),
        *reporter_columns,
    ).select_from(joined)
    statement = _ordered(statement.where(*conditions), flt, source).limit(limit + 1)
    # Plain rows: through the session's connection, past the ORM's result machinery.
    connection = await session.connection()
    rows: Sequence[Row[Any]] = (await connection.execute(statement)).all()
    return rows


async def count_reports(session: AsyncSession, principal: Principal, flt: ReportFilter) -> int:
    """How many reports match, for callers that ask for a total."""
    sub = filtered_query(session, principal, flt).subquery()
    return int((await session.execute(select(func.count()).select_from(sub))).scalar_one())
