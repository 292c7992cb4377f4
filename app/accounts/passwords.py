"""Passwords hashed with Argon2id (argon2-cffi), off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.core.errors import Unprocessable

MIN_LENGTH = 12
MAX_LENGTH = 256
_HASHER = PasswordHasher()  # Argon2id with the library's recommended parameters (RFC 9106)
# Verified against when the account does not exist, so a wrong username costs the same time.
_DUMMY_HASH = _HASHER.hash("lapor-bridge: no such account")


def check_strength(password: str) -> None:
    """Refuse a password that is too short or too long, with a clear message."""
    if len(password) < MIN_LENGTH:
        raise Unprocessable(f"the password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise Unprocessable(f"the password may have at most {MAX_LENGTH} characters")


async def hash_password(password: str) -> str:
    """The Argon2id hash of a password (computed in a thread)."""
    return await asyncio.to_thread(_HASHER.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash (None: no such account, always False)."""
    if len(password) > MAX_LENGTH:
        return False
    return await asyncio.to_thread(_verify, stored, password)
