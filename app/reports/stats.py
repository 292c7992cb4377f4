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
from app.reports.deadlines import WAITING, Deadline

# The dimensions counted, and the SQL expression each one groups by.
DIMENSIONS = ("kind", "status", "channel", "agency", "category", "district")
_DIMENSION_SQL = {
    "kind": "r.kind",
    "status": "r.status",
    "channel": "r.channel",
    "agency": "a.code",
    "category": "c.code",
    "district": "r.district_code",
}
_FROM = """
FROM reports r
LEFT JOIN agencies a ON a.id = r.agency_id
LEFT JOIN categories c ON c.id = r.category_id
WHERE r.created_at >= :start AND r.created_at < :end
"""


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


def _sqlite_month_sql(tz: ZoneInfo) -> str:
    """The local month of a report, `YYYY-MM`, in SQLite (PostgreSQL's is in its statement)."""
    # SQLite keeps UTC text; shift by the zone's offset now (Indonesian zones have no DST).
    offset = datetime.now(tz).utcoffset() or timedelta(0)
    return f"strftime('%Y-%m', r.created_at, '{int(offset.total_seconds())} seconds')"


def grouped_counts_sql(dialect: str, tz: ZoneInfo) -> str:
    """One statement for every dimension's counts and the monthly volume by kind.

    On PostgreSQL it also carries each agency's deadline counts and the number overdue now, so
    that one pass over the reports serves all of them.
    """
    if dialect == "postgresql":
        # First one parallel-friendly GROUP BY over every dimension at once (no joins, one pass),
        # then the per-dimension totals over that small result with GROUPING SETS.
        dims = {
            "kind": "c.kind",
            "status": "c.status",
            "channel": "c.channel",
            "agency": "a.code",
            "category": "cat.code",
            "district": "c.district_code",
        }
        columns = ", ".join(f"{sql} AS {d}" for d, sql in dims.items())
        groupings = ", ".join(f"GROUPING({sql}) AS g_{d}" for d, sql in dims.items())
        sets = ", ".join(f"({sql})" for sql in dims.values())
        sums = ", ".join(f"coalesce(sum(c.{m}), 0) AS {m}" for m in _PER_GROUP)
        # Every name spliced in is a fixed expression from this module; values are bound parameters.
        return (
            "WITH c AS (SELECT r.kind, r.status, r.channel, r.agency_id, r.category_id, r.district_code, "  # noqa: S608
            f"date_trunc('month', r.created_at AT TIME ZONE '{tz.key}') AS month, count(*) AS n, "
            "count(r.disposed_at) AS disposed, "
            "count(*) FILTER (WHERE r.disposed_at <= r.disposition_due_at) AS disposed_on_time, "
            "count(r.followed_up_at) AS followed_up, "
            "count(*) FILTER (WHERE r.followed_up_at <= r.follow_up_due_at) AS followed_up_on_time, "
            f"count(*) FILTER (WHERE {_overdue_clause()}) AS overdue "
            "FROM reports r "
            "WHERE r.created_at >= :start AND r.created_at < :end GROUP BY 1, 2, 3, 4, 5, 6, 7) "
            f"SELECT {columns}, to_char(c.month, 'YYYY-MM') AS month, {groupings}, GROUPING(c.month) AS g_month, "
            f"{sums} "
            "FROM c LEFT JOIN agencies a ON a.id = c.agency_id "
            "LEFT JOIN categories cat ON cat.id = c.category_id "
            f"GROUP BY GROUPING SETS ({sets}, (c.month, c.kind), ())"
        )
    month = _sqlite_month_sql(tz)
    parts = [
        f"SELECT '{d}' AS dim, {_DIMENSION_SQL[d]} AS k1, NULL AS k2, count(*) AS n {_FROM} "
        f"GROUP BY {_DIMENSION_SQL[d]}"
        for d in DIMENSIONS
    ]
    parts.append(
        f"SELECT 'month' AS dim, {month} AS k1, r.kind AS k2, count(*) AS n {_FROM} GROUP BY 1, 2, 3"
    )
    parts.append(f"SELECT 'total' AS dim, NULL AS k1, NULL AS k2, count(*) AS n {_FROM}")
    return " UNION ALL ".join(parts)


# What the first pass counts per group, summed up per grouping set (PostgreSQL).
_PER_GROUP = ("n", "disposed", "disposed_on_time", "followed_up", "followed_up_on_time", "overdue")

# The working days to follow-up, per agency: a histogram (days are whole numbers) whose running
# totals give the median and the 90th percentile exactly, without sorting the reports.
_PERCENTILES_SQL = f"""
WITH h AS (
    SELECT r.agency_id, r.follow_up_working_days AS days, count(*) AS n
    {_FROM} AND r.agency_id IS NOT NULL AND r.follow_up_working_days IS NOT NULL
    GROUP BY 1, 2
),
running AS (
    SELECT agency_id, days,
           sum(n) OVER (PARTITION BY agency_id ORDER BY days) AS upto,
           sum(n) OVER (PARTITION BY agency_id) AS total
    FROM h
)
SELECT a.code AS agency,
       min(days) FILTER (WHERE upto >= 0.5 * total) AS median_days,
       min(days) FILTER (WHERE upto >= 0.9 * total) AS p90_days
FROM running JOIN agencies a ON a.id = running.agency_id
GROUP BY a.code
"""  # noqa: S608 (only _FROM is spliced in: fixed SQL with bound parameters)


def postgres_statements(tz: ZoneInfo) -> list[str]:
    """The summary's statements on PostgreSQL, run side by side: counts, then percentiles."""
    return [grouped_counts_sql("postgresql", tz), _PERCENTILES_SQL]


_COMPLIANCE_SQL = f"""
WITH scoped AS (
    SELECT r.agency_id, r.disposed_at, r.disposition_due_at, r.followed_up_at, r.follow_up_due_at,
           r.follow_up_working_days AS days
    {_FROM} AND r.agency_id IS NOT NULL
),
ranked AS (
    SELECT agency_id, days,
           row_number() OVER (PARTITION BY agency_id ORDER BY days) AS rn,
           count(*) OVER (PARTITION BY agency_id) AS n
    FROM scoped WHERE days IS NOT NULL
),
percentiles AS (
    SELECT agency_id,
           min(CASE WHEN rn >= 0.5 * n THEN days END) AS median_days,
           min(CASE WHEN rn >= 0.9 * n THEN days END) AS p90_days
    FROM ranked GROUP BY agency_id
),
totals AS (
    SELECT agency_id,
           count(*) AS reports,
           count(disposed_at) AS disposed,
           sum(CASE WHEN disposed_at <= disposition_due_at THEN 1 ELSE 0 END) AS disposed_on_time,
           count(followed_up_at) AS followed_up,
           sum(CASE WHEN followed_up_at <= follow_up_due_at THEN 1 ELSE 0 END) AS followed_up_on_time
    FROM scoped GROUP BY agency_id
)
SELECT a.code AS agency, t.reports, t.disposed, t.disposed_on_time, t.followed_up,
       t.followed_up_on_time, p.median_days, p.p90_days
FROM totals t
JOIN agencies a ON a.id = t.agency_id
LEFT JOIN percentiles p ON p.agency_id = t.agency_id
ORDER BY a.code
"""  # noqa: S608 (only _FROM is spliced in: fixed SQL with bound parameters)


def _overdue_clause() -> str:
    """A report past a deadline it is still waiting on, as of `:now`."""
    clauses = []
    for deadline, column in (
        (Deadline.disposition, "disposition_due_at"),
        (Deadline.follow_up, "follow_up_due_at"),
        (Deadline.resolution, "resolution_due_at"),
    ):
        waiting = ", ".join(f"'{s.value}'" for s in sorted(WAITING[deadline]))
        clauses.append(f"(r.{column} < :now AND r.status IN ({waiting}))")
    return " OR ".join(clauses)


def _overdue_sql() -> str:
    return f"SELECT count(*) {_FROM} AND ({_overdue_clause()})"


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
        compliance = await _fetch(sessions, _COMPLIANCE_SQL, period, now)
        overdue_now = await _fetch(sessions, _overdue_sql(), period, now)
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
