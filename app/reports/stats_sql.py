"""The statistics' SQL: fixed statement texts with bound parameters, one pass over the reports.

Kept apart from `app/reports/stats.py` (which runs them and assembles the answer) so that
`bench/stats.py` times the very same text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
    return _postgres_grouped_sql(tz) if dialect == "postgresql" else _sqlite_grouped_sql(tz)


def _postgres_grouped_sql(tz: ZoneInfo) -> str:
    """First one parallel-friendly GROUP BY over every dimension at once (no joins, one pass),
    then the per-dimension totals over that small result with GROUPING SETS."""
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
    sums = ", ".join(f"coalesce(sum(c.{m}), 0) AS {m}" for m in PER_GROUP)
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


def _sqlite_grouped_sql(tz: ZoneInfo) -> str:
    """One SELECT per dimension, the monthly volume and the total, as one UNION ALL."""
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
PER_GROUP = ("n", "disposed", "disposed_on_time", "followed_up", "followed_up_on_time", "overdue")

# The working days to follow-up, per agency: a histogram (days are whole numbers) whose running
# totals give the median and the 90th percentile exactly, without sorting the reports.
PERCENTILES_SQL = f"""
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
    return [grouped_counts_sql("postgresql", tz), PERCENTILES_SQL]


COMPLIANCE_SQL = f"""
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


def overdue_sql() -> str:
    """How many reports of the range are overdue as of `:now` (SQLite; PostgreSQL counts it per group)."""
    return f"SELECT count(*) {_FROM} AND ({_overdue_clause()})"
