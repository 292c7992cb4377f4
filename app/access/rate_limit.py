"""The per-key rate limit: a fixed one-minute window counted in the database, so every API
process shares one budget per key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import TooManyRequests
from app.models import RateCounter

# PostgreSQL: one statement. A counter lost in a crash is harmless, so its commit does not wait
# for the disk (`synchronous_commit` off for this statement's transaction only).
_POSTGRESQL_COUNT = text(
    "WITH quick AS (SELECT set_config('synchronous_commit', 'off', true))"
    " INSERT INTO rate_counters (api_key_id, window_start, count) SELECT :key_id, :window, 1 FROM quick"
    " ON CONFLICT (api_key_id, window_start) DO UPDATE SET count = rate_counters.count + 1"
    " RETURNING count"
).bindparams(bindparam("window", type_=RateCounter.__table__.c.window_start.type))  # type: ignore[attr-defined]


async def count_request(session: AsyncSession, key_id: int, limit: int, now: datetime) -> None:
    """Count one request of a key; `TooManyRequests` once it is over `limit` this minute."""
    if limit <= 0:
        return
    window = now.replace(second=0, microsecond=0)
    if session.get_bind().dialect.name == "postgresql":
        count = (await session.execute(_POSTGRESQL_COUNT, {"key_id": key_id, "window": window})).scalar_one()
    else:
        statement = (
            sqlite_insert(RateCounter)
            .values(api_key_id=key_id, window_start=window, count=1)
            .on_conflict_do_update(
                index_elements=["api_key_id", "window_start"], set_={"count": col(RateCounter.count) + 1}
            )
            .returning(col(RateCounter.count))
        )
        count = (await session.execute(statement)).scalar_one()
    _refuse_over(int(count), limit, now)


def _refuse_over(count: int, limit: int, now: datetime) -> None:
    if count > limit:
        retry_after = max(1, 60 - now.second)
        raise TooManyRequests(
            f"this key made more than {limit} requests this minute; retry in {retry_after} s",
            retry_after=retry_after,
        )
