"""The API's report list as plain rows: each report's columns with its agency and category codes
and, where the caller may see it, its reporter, in one statement (see `app.api.render.render_page`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Row, Select, Table, and_, null, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.util import ClauseAdapter

from app.access.principals import Principal
from app.models import Report
from app.models.enums import Role
from app.reports.queries import (
    FTS_VECTOR,
    SEARCH_WINDOW_PAGES,
    ReportFilter,
    after_cursor,
    filter_conditions,
    fts_matches,
    is_postgresql,
    next_cursor,
    ordered,
    search_text,
    text_condition,
)

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
    conditions = filter_conditions(principal, flt)
    after = after_cursor(flt, cursor)
    reports = _table("reports")
    search = search_text(flt)
    if search is not None and is_postgresql(session):
        # The next reports in list order, however many of them the other filters keep: the
        # cost of a miss is bounded by the window, whatever the filters (see SEARCH_WINDOW_PAGES).
        recent = (
            ordered(select(reports, FTS_VECTOR.label("reports_fts_vector")).where(*after), flt)
            .limit(SEARCH_WINDOW_PAGES * (limit + 1))
            .subquery("recent")
        )
        on_recent = ClauseAdapter(recent)  # the filters, on the window's columns
        in_recent = [on_recent.traverse(condition) for condition in conditions]
        in_recent.append(fts_matches(recent.c.reports_fts_vector, search))
        rows = await _fetch_page(session, principal, flt, recent, in_recent, limit)
        if len(rows) > limit:
            return rows[:limit], next_cursor(rows, limit)
    if search is not None:
        conditions.append(text_condition(session, search))
    # A search's matches come from the full-text index unordered: sort and cut the page before
    # joining the codes and reporters, not after.
    rows = await _fetch_page(
        session, principal, flt, reports, [*conditions, *after], limit, page_first=search is not None
    )
    return rows[:limit], next_cursor(rows, limit)


def _joined(principal: Principal, source: FromClause) -> tuple[FromClause, list[ColumnElement[Any]]]:
    """`source` joined to its agency and category, and to its reporter where this caller may see
    the identity; with the reporter columns to select (all NULL when it may see none)."""
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
    return joined, reporter_columns


def _table(name: str) -> Table:
    """A table of the models, for Core statements that return plain rows."""
    return Report.metadata.tables[name]


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
        source, conditions = ordered(page, flt, source).limit(limit + 1).subquery("page"), []
    joined, reporter_columns = _joined(principal, source)
    statement: Select[Any] = select(
        *(source.c[name] for name in ROW_COLUMNS),
        _table("agencies").c.code.label("agency_code"),
        _table("categories").c.code.label("category_code"),
        *reporter_columns,
    ).select_from(joined)
    statement = ordered(statement.where(*conditions), flt, source).limit(limit + 1)
    # Plain rows: through the session's connection, past the ORM's result machinery.
    connection = await session.connection()
    rows: Sequence[Row[Any]] = (await connection.execute(statement)).all()
    return rows
