"""The worker's housekeeping: what no longer serves goes away (old rate-limit windows, expired
idempotency records, wrong passwords past their window, ended or expired workspace sessions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.config import Settings
from app.models import AccountSession, IdempotencyRecord, RateCounter, SignInFailure
from app.models.types import utcnow


class Housekeeping:
    """One sweep every `idle_seconds` deleting the rows that count for nothing any more."""

    name = "housekeeping"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        idempotency_ttl: timedelta,
        *,
        sign_in_window: timedelta = timedelta(minutes=15),
        idle_seconds: float = 300.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.idempotency_ttl = idempotency_ttl
        self.sign_in_window = sign_in_window
        self.idle_seconds = idle_seconds
        self.clock = clock

    @classmethod
    def from_settings(cls, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Housekeeping:
        """The sweep of IDEMPOTENCY_TTL_HOURS and SIGN_IN_WINDOW_MINUTES."""
        return cls(
            sessions,
            timedelta(hours=settings.idempotency_ttl_hours),
            sign_in_window=timedelta(minutes=settings.sign_in_window_minutes),
        )

    async def run_once(self) -> int:
        """One sweep; returns 0 so the worker then waits `idle_seconds`."""
        now = self.clock()
        async with self.sessions() as session:
            for statement in (
                delete(RateCounter).where(col(RateCounter.window_start) < now - timedelta(hours=1)),
                delete(IdempotencyRecord).where(
                    col(IdempotencyRecord.created_at) < now - self.idempotency_ttl
                ),
                delete(SignInFailure).where(col(SignInFailure.created_at) <= now - self.sign_in_window),
                delete(AccountSession).where(
                    or_(col(AccountSession.expires_at) <= now, col(AccountSession.ended_at).is_not(None))
                ),
            ):
                await session.execute(statement)
            await session.commit()
        return 0
