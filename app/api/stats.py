"""Statistics endpoints: counts, monthly volume, per-agency deadline compliance, overdue now."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from app.access.principals import Principal
from app.api.deps import SessionsDep, SettingsDep, require_roles
from app.api.report_schemas import status_label
from app.core.errors import Unprocessable
from app.models.enums import Role
from app.models.types import EARLIEST, utcnow
from app.reports.stats import AgencyCompliance, DateRange, summary

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])
StatsKey = Annotated[Principal, Depends(require_roles(Role.admin, Role.coordinator, Role.viewer))]
MAX_RANGE_DAYS = 3 * 366


class Count(BaseModel):
    """How many reports share one value."""

    key: str | None
    label: str | None = None
    count: int


class MonthCount(BaseModel):
    """Reports received in one month, of one kind."""

    month: str = Field(examples=["2026-11"])
    kind: str
    count: int


class AgencyComplianceOut(BaseModel):
    """One agency's handling of its reports."""

    agency: str | None
    reports: int
    disposed: int
    disposed_on_time: int
    disposed_on_time_share: float | None
    followed_up: int
    followed_up_on_time: int
    followed_up_on_time_share: float | None
    median_follow_up_working_days: float | None
    p90_follow_up_working_days: float | None


class SummaryOut(BaseModel):
    """The statistics of reports received in a date range."""

    first_day: date
    last_day: date
    total: int
    by_kind: list[Count]
    by_status: list[Count]
    by_channel: list[Count]
    by_agency: list[Count]
    by_category: list[Count]
    by_district: list[Count]
    monthly: list[MonthCount]
    agencies: list[AgencyComplianceOut]
    overdue_now: int


def _period(first: date | None, last: date | None, tz: ZoneInfo) -> DateRange:
    today = datetime.now(tz).date()
    last = last or today
    if first is None:
        # A year before `last`, unless that is before the first day a range may start.
        first = max(last, EARLIEST.date() + timedelta(days=365)) - timedelta(days=365)
    if first > last:
        raise Unprocessable("`from` is after `to`")
    if (last - first).days > MAX_RANGE_DAYS:
        raise Unprocessable(f"the range may span at most {MAX_RANGE_DAYS} days")
    return DateRange(first, last, tz)


def _counts(values: dict[str | None, int], labelled: bool = False) -> list[Count]:
    ordered = sorted(values.items(), key=lambda kv: (-kv[1], kv[0] or ""))
    return [Count(key=k, label=status_label(k) if labelled else None, count=n) for k, n in ordered]


@router.get("/summary", response_model=SummaryOut, summary="Statistics for a date range")
async def get_summary(
    sessions: SessionsDep,
    settings: SettingsDep,
    _: StatsKey,
    first: Annotated[
        date | None, Query(alias="from", description="First day (local), default a year ago")
    ] = None,
    last: Annotated[
        date | None, Query(alias="to", description="Last day (local, inclusive), default today")
    ] = None,
) -> SummaryOut:
    """Counts by kind, status, channel, agency, category, district and month; per-agency compliance."""
    period = _period(first, last, ZoneInfo(settings.timezone))
    figures = await summary(sessions, period, utcnow())
    return SummaryOut(
        first_day=period.first,
        last_day=period.last,
        total=figures.total,
        by_kind=_counts(figures.counts["kind"]),
        by_status=_counts(figures.counts["status"], labelled=True),
        by_channel=_counts(figures.counts["channel"]),
        by_agency=_counts(figures.counts["agency"]),
        by_category=_counts(figures.counts["category"]),
        by_district=_counts(figures.counts["district"]),
        monthly=[MonthCount(month=m, kind=k, count=n) for m, k, n in figures.monthly],
        agencies=[_compliance_out(a) for a in figures.agencies],
        overdue_now=figures.overdue_now,
    )


def _compliance_out(a: AgencyCompliance) -> AgencyComplianceOut:
    """One agency's deadline figures in the API's shape."""
    return AgencyComplianceOut(
        agency=a.agency,
        reports=a.reports,
        disposed=a.disposed,
        disposed_on_time=a.disposed_on_time,
        disposed_on_time_share=a.disposed_on_time_share,
        followed_up=a.followed_up,
        followed_up_on_time=a.followed_up_on_time,
        followed_up_on_time_share=a.followed_up_on_time_share,
        median_follow_up_working_days=a.median_follow_up_working_days,
        p90_follow_up_working_days=a.p90_follow_up_working_days,
    )
