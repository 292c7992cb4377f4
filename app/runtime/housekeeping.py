"""The worker's housekeeping: what no longer serves goes away (old rate-limit windows, expired
idempotency records, wrong passwords past their window, ended or expired workspace sessions, and,
with `REPORTER_RETENTION_DAYS`, the reporter identity of reports closed that long ago)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from app.core.config import Settings
from app.models import AccountSession, IdempotencyRecord, RateCounter, SignInFailure
from app.models.types import utcnow
from app.reports.erasure import erase_expired

log = logging.getLogger("app.runtime.housekeeping")


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
        reporter_retention_days: int = 0,
    ) -> None:
        self.sessions = sessions
        self.idempotency_ttl = idempotency_ttl
        self.sign_in_window = sign_in_window
        self.idle_seconds = idle_seconds
        self.clock = clock
        self.reporter_retention_days = reporter_retention_days

    @classmethod
    def from_settings(cls, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Housekeeping:
        """The sweep of IDEMPOTENCY_TTL_HOURS, SIGN_IN_WINDOW_MINUTES and REPORTER_RETENTION_DAYS."""
        return cls(
            sessions,
            timedelta(hours=settings.idempotency_ttl_hours),
            sign_in_window=timedelta(minutes=settings.sign_in_window_minutes),
            reporter_retention_days=settings.reporter_retention_days,
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
            if self.reporter_retention_days > 0:
                erased = await erase_expired(session, retention_days=self.reporter_retention_days, now=now)
                if erased:
                    log.info("erased the reporter identity of %s closed reports (retention)", erased)
        return 0
