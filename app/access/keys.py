"""API keys: made random, shown once, stored as a SHA-256, checked on every request."""

from __future__ import annotations

import hashlib
import secrets
import time

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.access.principals import Principal, principal_of_key
from app.core.errors import NotFound
from app.models import ApiKey
from app.models.enums import Role
from app.models.types import utcnow
from app.reports.directory import agency_of_role

KEY_PREFIX = "lb_"


def hash_key(raw: str) -> str:
    """The stored form of a key. Keys carry 256 random bits, so a plain SHA-256 suffices."""
    return hashlib.sha256(raw.encode()).hexdigest()


async def create_key(
    session: AsyncSession, *, name: str, role: Role, agency_code: str | None
) -> tuple[ApiKey, str]:
    """Make a key; returns the row and the secret, which is never stored or shown again."""
    agency_id = await agency_of_role(session, role, agency_code, holder="key")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, role=role.value, agency_id=agency_id, key_prefix=raw[:10], key_hash=hash_key(raw))
    session.add(row)
    await session.flush()
    return row, raw


async def revoke_key(session: AsyncSession, key_id: int) -> None:
    """Revoke a key; it stops working within the key cache's lifetime."""
    result = await session.execute(
        update(ApiKey)
        .where(col(ApiKey.id) == key_id, col(ApiKey.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"no active key with id {key_id}")


class KeyCache:
    """A short-lived cache of key look-ups, so each request does not query the key table.

    A revoked key keeps working for at most `ttl` seconds on a process that cached it.
    """

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal | None]] = {}

    def get(self, key_hash: str) -> tuple[bool, Principal | None]:
        """(hit, principal) for a key hash."""
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, key_hash: str, principal: Principal | None) -> None:
        """Remember a look-up for `ttl` seconds."""
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        """Forget everything (after a revocation in this process)."""
        self._entries.clear()


async def authenticate(session: AsyncSession, raw: str, cache: KeyCache) -> Principal | None:
    """The principal behind a raw key, or None when it is unknown or revoked."""
    key_hash = hash_key(raw)
    hit, principal = cache.get(key_hash)
    if hit:
        return principal
    row = (
        await session.execute(
            select(
                col(ApiKey.id),
                col(ApiKey.name),
                col(ApiKey.role),
                col(ApiKey.agency_id),
                col(ApiKey.revoked_at),
            ).where(col(ApiKey.key_hash) == key_hash)
        )
    ).one_or_none()
    principal = None
    if row is not None and row.revoked_at is None:
        principal = principal_of_key(row)
    cache.put(key_hash, principal)
    return principal
