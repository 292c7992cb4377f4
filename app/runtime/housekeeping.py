"""The worker's housekeeping: old rate-limit windows and expired idempotency records go away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.models import IdempotencyRecord, RateCounter
from app.models.types import utcnow


class Housekeeping:
    """Deletes what no longer serves: counters older than an hour, idempotency records past their TTL."""

    name = "housekeeping"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        idempotency_ttl: timedelta,
        *,
        idle_seconds: float = 300.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.idempotency_ttl = idempotency_ttl
        self.idle_seconds = idle_seconds
        self.clock = clock

    async def run_once(self) -> int:
        """One sweep; returns 0 so the worker then waits `idle_seconds`."""
        now = self.clock()
        async with self.sessions() as session:
            await session.execute(
                delete(RateCounter).where(col(RateCounter.window_start) < now - timedelta(hours=1))
            )
            await session.execute(
                delete(IdempotencyRecord).where(
                    col(IdempotencyRecord.created_at) < now - self.idempotency_ttl
                )
            )
            await session.commit()
        return 0
