"""Public lookups counted per client address (hashed) and minute, shared by every API process."""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.core.errors import TooManyRequests
from app.models import PublicRateCounter


def counted_address(host: str) -> str:
    """What one client's count is kept under: an IPv4 address (an IPv4-mapped IPv6 one read as
    IPv4), or the /64 an IPv6 address lies in, since one subscriber is given a whole /64 and could
    otherwise use a fresh address for every lookup; anything else (no address) as it is."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)


async def count_lookup(session: AsyncSession, address: str, limit: int, now: datetime) -> None:
    """Count one lookup from an address; `TooManyRequests` once it is over `limit` this minute.

    Commits: the count is its own unit of work and stands even when the lookup is refused.
    """
    if limit <= 0:
        return
    window = now.replace(second=0, microsecond=0)
    # The address itself is personal data: only its hash is kept.
    address_hash = hashlib.sha256(counted_address(address).encode()).hexdigest()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(PublicRateCounter)
        .values(address_hash=address_hash, window_start=window, count=1)
        .on_conflict_do_update(
            index_elements=["address_hash", "window_start"], set_={"count": col(PublicRateCounter.count) + 1}
        )
        .returning(col(PublicRateCounter.count))
    )
    count = int((await session.execute(statement)).scalar_one())
    await session.commit()
    if count > limit:
        retry_after = max(1, 60 - now.second)
        raise TooManyRequests(
            f"more than {limit} lookups this minute from this address; retry in {retry_after} s",
            retry_after=retry_after,
        )
