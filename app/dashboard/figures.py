"""The figures behind the dashboard, from the same functions the statistics API calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.access.principals import Principal
from app.api.render import agency_codes
from app.api.stats import MAX_RANGE_DAYS
from app.core.errors import Unprocessable
from app.dashboard.plan import SyncHealth, previous_period, sync_health
from app.models import Agency
from app.models.types import EARLIEST, LATEST, utcnow
from app.reports.deadlines import DUE_COLUMN, Deadline, missed_deadlines
from app.reports.queries import ReportFilter, count_reports, list_reports
from app.reports.stats import DateRange, Summary, summary

OVERDUE_ROWS = 50


class PeriodError(ValueError):
    """A date range the dashboard cannot show; the message is for the user, in Indonesian."""


@dataclass(frozen=True)
class OverdueReport:
    """One line of the overdue list."""

    report_id: int
    tracking_number: str | None
    title: str
    agency: str | None
    missed: tuple[tuple[Deadline, datetime | None], ...]


@dataclass(frozen=True)
class DashboardFigures:
    """Everything the main page shows for one date range."""

    period: DateRange
    summary: Summary
    agency_names: dict[str, str]
    overdue: list[OverdueReport]
    overdue_listed: int
    previous: Summary | None = None
    sync: SyncHealth | None = None


def default_first_day(last: date) -> date:
    """The first day of the month eleven months before `last`: twelve calendar months in all."""
    months = last.year * 12 + last.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1)


def _parse_day(raw: str | None, name: str, tz: ZoneInfo) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise PeriodError(f"Tanggal {name} tidak valid: gunakan format TTTT-BB-HH.") from exc
    try:
        DateRange(day, day, tz)  # the days a range may hold (near the calendar's ends they overflow)
    except Unprocessable as exc:
        last_day = LATEST.date() - timedelta(days=1)
        raise PeriodError(f"Tanggal {name} harus antara {EARLIEST.date()} dan {last_day}.") from exc
    return day


def parse_period(first_raw: str | None, last_raw: str | None, today: date, tz: ZoneInfo) -> DateRange:
    """The range a picker asked for; by default the last twelve calendar months up to today
    (or from the first day a range may hold, when that is later)."""
    last = _parse_day(last_raw, "akhir", tz) or today
    first = _parse_day(first_raw, "awal", tz) or max(default_first_day(last), EARLIEST.date())
    if first > last:
        raise PeriodError("Tanggal awal harus sebelum atau sama dengan tanggal akhir.")
    if (last - first).days > MAX_RANGE_DAYS:
        raise PeriodError(f"Rentang tanggal paling panjang {MAX_RANGE_DAYS} hari.")
    return DateRange(first, last, tz)


async def agency_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(
        select(col(Agency.code), col(Agency.name)).where(col(Agency.code).in_(codes))
    )
    return {row.code: row.name for row in rows}


async def _overdue(
    session: AsyncSession, principal: Principal, period: DateRange
) -> tuple[list[OverdueReport], int]:
    """Overdue reports received in the range that this key may see, the longest waiting first."""
    flt = ReportFilter(overdue="any", created_from=period.start, created_to=period.end, oldest_first=True)
    reports, _ = await list_reports(session, principal, flt, limit=OVERDUE_ROWS, cursor=None)
    now = utcnow()  # not earlier than the query's own clock, so every listed report has a missed deadline
    codes = await agency_codes(session, {r.agency_id for r in reports if r.agency_id})
    rows = [
        OverdueReport(
            report_id=r.id or 0,
            tracking_number=r.tracking_number,
            title=r.title,
            agency=codes.get(r.agency_id) if r.agency_id else None,
            missed=tuple((d, getattr(r, DUE_COLUMN[d])) for d in missed_deadlines(r, now)),
        )
        for r in reports
    ]
    listed = len(rows) if len(rows) < OVERDUE_ROWS else await count_reports(session, principal, flt)
    return rows, listed


async def gather(
    session: AsyncSession, principal: Principal, period: DateRange, now: datetime
) -> DashboardFigures:
    """Every figure of the main page, computed in the database."""
    await session.commit()  # the summary reads on sessions of its own; hold no lock meanwhile
    sessions = async_sessionmaker(session.bind)
    figures = await summary(sessions, period, now)
    before = previous_period(period)  # None when it would start before the first day a range may hold
    previous = await summary(sessions, before, now) if before is not None else None
    overdue, listed = await _overdue(session, principal, period)
    codes = {a.agency for a in figures.agencies if a.agency} | {r.agency for r in overdue if r.agency}
    return DashboardFigures(
        period=period,
        summary=figures,
        agency_names=await agency_names(session, codes),
        overdue=overdue,
        overdue_listed=listed,
        previous=previous,
        sync=await sync_health(session),
    )
