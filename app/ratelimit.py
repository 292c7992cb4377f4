"""The per-key rate limit: a fixed one-minute window counted in the database, so every API
process shares one budget per key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.errors import TooManyRequests
from app.models import RateCounter


async def count_request(session: AsyncSession, key_id: int, limit: int, now: datetime) -> None:
    """Count one request of a key; `TooManyRequests` once it is over `limit` this minute."""
    if limit <= 0:
        return
    window = now.replace(second=0, microsecond=0)
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # A counter lost in a crash is harmless: do not make every request wait for the disk.
        await session.execute(text("SET LOCAL synchronous_commit TO off"))
    insert = pg_insert if postgresql else sqlite_insert
    statement = (
        insert(RateCounter)
        .values(api_key_id=key_id, window_start=window, count=1)
        .on_conflict_do_update(
            index_elements=["api_key_id", "window_start"], set_={"count": col(RateCounter.count) + 1}
        )
        .returning(col(RateCounter.count))
    )
    count = int((await session.execute(statement)).scalar_one())
    if count > limit:
        retry_after = max(1, 60 - now.second)
        raise TooManyRequests(
            f"this key made more than {limit} requests this minute; retry in {retry_after} s",
            retry_after=retry_after,
        )
