"""Statistics for the regency, computed in SQL with grouping (never by loading reports)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.errors import Unprocessable
from app.models.enums import ReportStatus
from app.models.types import EARLIEST, LATEST
from app.reports.stats_sql import (
    COMPLIANCE_SQL,
    DIMENSIONS,
    grouped_counts_sql,
    overdue_sql,
    postgres_statements,
)


@dataclass
class DateRange:
    """Whole local days, `first` to `last` inclusive, in the regency's time zone."""

    first: date
    last: date
    tz: ZoneInfo

    def __post_init__(self) -> None:
        # Days near the calendar's ends overflow once moved to UTC or a day on.
        if self.first < EARLIEST.date() or self.last >= LATEST.date():
            raise Unprocessable(
                f"days must lie between {EARLIEST.date()} and {LATEST.date() - timedelta(days=1)}",
                extra={"fields": [{"field": "query.from/to", "message": "out of range"}]},
            )

    @property
    def start(self) -> datetime:
        """The first instant of the range."""
        return datetime.combine(self.first, time(0), tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """The first instant after the range."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=self.tz)


@dataclass
class AgencyCompliance:
    """How one agency meets its deadlines."""

    agency: str | None
    reports: int
    disposed: int
    disposed_on_time: int
    followed_up: int
    followed_up_on_time: int
    median_follow_up_working_days: float | None
    p90_follow_up_working_days: float | None

    @property
    def disposed_on_time_share(self) -> float | None:
        """Share dispositioned within the disposition deadline."""
        return round(self.disposed_on_time / self.disposed, 4) if self.disposed else None

    @property
    def followed_up_on_time_share(self) -> float | None:
        """Share followed up within the follow-up deadline."""
        return round(self.followed_up_on_time / self.followed_up, 4) if self.followed_up else None


@dataclass
class Summary:
    """Every figure of the statistics page for one date range."""

    total: int = 0
    counts: dict[str, dict[str | None, int]] = field(default_factory=dict)
    monthly: list[tuple[str, str, int]] = field(default_factory=list)
    agencies: list[AgencyCompliance] = field(default_factory=list)
    overdue_now: int = 0


async def summary(sessions: async_sessionmaker[AsyncSession], period: DateRange, now: datetime) -> Summary:
    """The statistics of reports received within the range (overdue: as of `now`).

    On PostgreSQL two statements run side by side on their own connections (one pass over the
    reports each); on SQLite three run in turn.
    """
    async with sessions() as probe:
        dialect = probe.get_bind().dialect.name
    if dialect == "postgresql":
        counts, percentiles = await asyncio.gather(
            *(_fetch(sessions, sql, period, now) for sql in postgres_statements(period.tz))
        )
        return _assemble_postgres(counts, percentiles)
    else:
        counts = await _fetch(sessions, grouped_counts_sql(dialect, period.tz), period, now)
        compliance = await _fetch(sessions, COMPLIANCE_SQL, period, now)
        overdue_now = await _fetch(sessions, overdue_sql(), period, now)
    return _assemble(counts, compliance, overdue_now)


async def _fetch(
    sessions: async_sessionmaker[AsyncSession], sql: str, period: DateRange, now: datetime
) -> list[RowMapping]:
    """One statement's rows, on a session of its own."""
    async with sessions() as session:
        dialect = session.get_bind().dialect.name
        moments = {"start": period.start, "end": period.end, "now": now}
        params: dict[str, object] = dict(moments)
        if dialect == "sqlite":  # SQLite stores naive UTC text: compare like with like
            utc = ZoneInfo("UTC")
            params = {k: v.astimezone(utc).strftime("%Y-%m-%d %H:%M:%S.%f") for k, v in moments.items()}
        else:
            # Compiling these one-off statements to machine code costs more than it saves (over a
            # second at a million reports).
            await session.execute(text("SET LOCAL jit = off"))
        return list((await session.execute(text(sql), params)).mappings().all())


def _assemble(rows: list[RowMapping], compliance: list[RowMapping], overdue_now: list[RowMapping]) -> Summary:
    """Fold the rows of SQLite's three statements into one summary."""
    result = Summary(counts={d: {} for d in DIMENSIONS})
    for row in rows:
        _collect(result, row)
    result.agencies = [
        AgencyCompliance(
            agency=row["agency"],
            reports=int(row["reports"]),
            disposed=int(row["disposed"]),
            disposed_on_time=int(row["disposed_on_time"] or 0),
            followed_up=int(row["followed_up"]),
            followed_up_on_time=int(row["followed_up_on_time"] or 0),
            median_follow_up_working_days=_num(row["median_days"]),
            p90_follow_up_working_days=_num(row["p90_days"]),
        )
        for row in compliance
    ]
    result.overdue_now = int(next(iter(overdue_now[0].values())))
    result.monthly.sort()
    return result


def _assemble_postgres(rows: list[RowMapping], percentiles: list[RowMapping]) -> Summary:
    """Fold the grouped rows (counts, deadline counts, overdue) and the percentiles into a summary."""
    result = Summary(counts={d: {} for d in DIMENSIONS})
    by_agency = {row["agency"]: row for row in percentiles}
    for row in rows:
        get = row.__getitem__
        if all(get(f"g_{d}") == 1 for d in DIMENSIONS) and get("g_month") == 1:
            result.total = int(get("n"))
            result.overdue_now = int(get("overdue"))
        elif get("g_month") == 0:
            result.monthly.append((get("month"), get("kind"), int(get("n"))))
        else:
            dim = next(d for d in DIMENSIONS if get(f"g_{d}") == 0)
            result.counts[dim][get(dim)] = int(get("n"))
            if dim == "agency" and get("agency") is not None:
                rank = by_agency.get(get("agency"))
                result.agencies.append(
                    AgencyCompliance(
                        agency=get("agency"),
                        reports=int(get("n")),
                        disposed=int(get("disposed")),
                        disposed_on_time=int(get("disposed_on_time")),
                        followed_up=int(get("followed_up")),
                        followed_up_on_time=int(get("followed_up_on_time")),
                        median_follow_up_working_days=_num(rank["median_days"]) if rank else None,
                        p90_follow_up_working_days=_num(rank["p90_days"]) if rank else None,
                    )
                )
    result.agencies.sort(key=lambda a: a.agency or "")
    result.monthly.sort()
    return result


def _num(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _collect(result: Summary, row: RowMapping) -> None:
    """Fold one row of SQLite's grouped statement into the summary."""
    get = row.__getitem__
    dim = get("dim")
    if dim == "total":
        result.total = int(get("n"))
    elif dim == "month":
        result.monthly.append((get("k1"), get("k2"), int(get("n"))))
    else:
        result.counts[dim][get("k1")] = int(get("n"))


STATUS_ORDER = [s.value for s in ReportStatus]
