"""Report endpoints: read, list and search (filing is `app.api.filing`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from app.api.deps import CurrentKey, IdPath, SessionDep, SettingsDep
from app.api.render import render_page, render_report
from app.api.report_schemas import ReportOut, ReportPage
from app.core.errors import Unprocessable
from app.models.enums import Channel, Origin, ReportKind, ReportStatus
from app.models.types import EARLIEST, LATEST, storable_instant
from app.reports.deadlines import Deadline
from app.reports.queries import ReportFilter, get_visible
from app.reports.report_rows import list_report_rows

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def _check_instant(name: str, stamp: datetime | None) -> None:
    """A filter's instant must carry its offset and lie in the storable range."""
    if stamp is not None and stamp.tzinfo is None:
        raise Unprocessable(
            "created_from/created_to need a time-zone offset, e.g. 2026-11-01T00:00:00+07:00",
            extra={"fields": [{"field": f"query.{name}", "message": "no time-zone offset"}]},
        )
    if stamp is not None and not storable_instant(stamp):
        raise Unprocessable(
            f"{name} must lie between {EARLIEST.date()} and {LATEST.date()}",
            extra={"fields": [{"field": f"query.{name}", "message": "out of range"}]},
        )


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
    for name, stamp in (("created_from", created_from), ("created_to", created_to)):
        _check_instant(name, stamp)
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
