"""API keys: made random, shown once, stored as a SHA-256, checked on every request."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.errors import NotFound, Unprocessable
from app.models import Agency, ApiKey
from app.models.enums import Role
from app.models.types import utcnow

KEY_PREFIX = "lb_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id (0 for an official's account), role and (for agency keys) agency."""

    key_id: int
    name: str
    role: Role
    agency_id: int | None
    account_id: int | None = None

    @property
    def actor(self) -> str:
        """How this caller is named in status events."""
        if self.account_id is not None:
            return f"{self.role.value}:account:{self.account_id}"
        return f"{self.role.value}:{self.key_id}"


def hash_key(raw: str) -> str:
    """The stored form of a key. Keys carry 256 random bits, so a plain SHA-256 suffices."""
    return hashlib.sha256(raw.encode()).hexdigest()


async def create_key(
    session: AsyncSession, *, name: str, role: Role, agency_code: str | None
) -> tuple[ApiKey, str]:
    """Make a key; returns the row and the secret, which is never stored or shown again."""
    agency_id: int | None = None
    if role is Role.agency:
        if not agency_code:
            raise Unprocessable("an agency key needs --agency CODE")
        agency = (
            await session.execute(select(Agency).where(col(Agency.code) == agency_code))
        ).scalar_one_or_none()
        if agency is None:
            raise NotFound(f"no agency with code {agency_code!r}")
        agency_id = agency.id
    elif agency_code:
        raise Unprocessable("only agency keys belong to an agency")
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
        principal = Principal(key_id=row.id, name=row.name, role=Role(row.role), agency_id=row.agency_id)
    cache.put(key_hash, principal)
    return principal
