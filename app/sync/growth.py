"""Fresh planner statistics while a pull fills the store.

A first backfill writes tens of thousands of reports into an empty store. PostgreSQL plans the
foreign-key checks of each connection once, while the tables are still small, and keeps a
sequential scan for them until the tables' statistics change; where autovacuum is slow or off,
every later row then scans the whole reports table. After each fifth of growth (at least
1,000 reports) the pull analyses the tables it fills, which also makes every connection plan
those checks again.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("app.sync.growth")
GROWN_TABLES = ("reports", "reporters", "status_events", "follow_ups", "domain_events")
MIN_GROWTH = 1000
GROWTH_SHARE = 0.2


class PlannerStatistics:
    """Analyses the tables a pull fills whenever they have grown by a fifth (PostgreSQL only)."""

    def __init__(self, known_reports: int) -> None:
        self.known = max(known_reports, 0)
        """How many reports the statistics knew of when last refreshed."""
        self.created_then = 0
        """How many reports this run had created at the last refresh."""
        self.next_at = self._step()
        """How many reports created in this run call for the next refresh."""

    @classmethod
    async def of(cls, session: AsyncSession) -> PlannerStatistics | None:
        """For a PostgreSQL store (None elsewhere: SQLite plans each statement afresh)."""
        if session.get_bind().dialect.name != "postgresql":
            return None
        known = (
            await session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'reports'"))
        ).scalar()
        return cls(int(known or 0))

    def _step(self) -> int:
        return max(MIN_GROWTH, int(GROWTH_SHARE * self.known))

    def due(self, created: int) -> bool:
        """Whether the run, having created this many reports, should refresh the statistics."""
        return created >= self.next_at

    async def after(self, session: AsyncSession, created: int) -> None:
        """After a commit: analyse if the run has created enough reports since the last time."""
        if not self.due(created):
            return
        for table in GROWN_TABLES:
            await session.execute(text(f"ANALYZE {table}"))
        await session.commit()
        self.known += created - self.created_then
        self.created_then = created
        self.next_at = created + self._step()
        log.info("planner statistics refreshed after %d reports created", created)
