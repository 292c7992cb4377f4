"""The pull's high-water mark: the newest national `updated_at` applied; it only moves forward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import SyncCursor

PULL_CURSOR = "pull"
"""The cursor's name in `sync_cursors`."""


class PullCursor:
    """Reads and moves the pull's high-water mark."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    async def read(self) -> datetime | None:
        """The mark, or None before the first pull."""
        async with self.sessions() as session:
            row = await session.get(SyncCursor, PULL_CURSOR)
            return row.value if row else None

    async def save(self, value: datetime | None) -> None:
        """Move the mark forward (never back), in a transaction of its own."""
        async with self.sessions() as session:
            await self.store(session, value)
            await session.commit()

    async def store(self, session: AsyncSession, value: datetime | None) -> None:
        """Move the mark forward in the session's transaction (never back)."""
        if value is None:
            return
        row = await session.get(SyncCursor, PULL_CURSOR)
        if row is None:
            session.add(SyncCursor(name=PULL_CURSOR, value=value, updated_at=self.clock()))
        elif row.value is None or value > row.value:
            row.value = value
            row.updated_at = self.clock()
