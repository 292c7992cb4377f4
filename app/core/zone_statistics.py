"""PostgreSQL's statistics on the dimensions the statistics summary groups by, month included.

The summary (`app.reports.stats_sql`) groups reports by kind, status, channel, agency, category,
district and the month of filing in the regency's `TIMEZONE`. Statistics on those columns taken
together (migration 0008) let PostgreSQL expect the groups there really are and aggregate in a
hash table. The month is an expression with the zone written into it, so the statistics must name
the zone the summary uses: `app.core.migrate.upgrade` (what `lapor-bridge migrate`, `serve` and
`up` run) restates them when `TIMEZONE` has changed since. SQLite keeps no such statistics.

Functions take a synchronous connection (Alembic's, or an async connection's `run_sync`).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection

NAME = "reports_dimensions"
_ZONE_IN_DEFINITION = re.compile(r"AT TIME ZONE '([^']+)'")


def create_sql(zone: str) -> str:
    """The statement that makes the statistics with the month in `zone` (an IANA name)."""
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", zone):
        raise ValueError(f"unexpected time zone name {zone!r}")
    key = ZoneInfo(zone).key
    return (
        f"CREATE STATISTICS {NAME} (ndistinct) ON kind, status, channel, agency_id, category_id,"
        f" district_code, (date_trunc('month', created_at AT TIME ZONE '{key}')) FROM reports"
    )


def create(connection: Connection, zone: str) -> None:
    """Make the statistics (replacing any) and gather them, inside the caller's transaction."""
    statement = create_sql(zone)
    connection.execute(text("SET LOCAL statement_timeout = 0"))
    connection.execute(text(f"DROP STATISTICS IF EXISTS {NAME}"))
    connection.execute(text(statement))
    connection.execute(text("ANALYZE reports"))


def drop(connection: Connection) -> None:
    """Remove the statistics (migration 0008's downgrade)."""
    connection.execute(text(f"DROP STATISTICS IF EXISTS {NAME}"))


def stated_zone(connection: Connection) -> str | None:
    """The zone the statistics name, or None where there are none (SQLite, or before 0008)."""
    if connection.dialect.name != "postgresql":
        return None
    definition = connection.execute(
        text("SELECT pg_get_statisticsobjdef(oid) FROM pg_statistic_ext WHERE stxname = :name"),
        {"name": NAME},
    ).scalar_one_or_none()
    if definition is None:
        return None
    found = _ZONE_IN_DEFINITION.search(definition)
    return found.group(1) if found else None


def align(connection: Connection, zone: str) -> bool:
    """Restate the statistics when they name another zone than `zone`; whether it did."""
    stated = stated_zone(connection)
    if stated is None or stated == ZoneInfo(zone).key:
        return False
    create(connection, zone)
    return True
