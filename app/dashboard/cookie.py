"""The dashboard's sign-in cookie: the key id and an expiry, signed with HMAC-SHA256.

The raw API key never goes into the cookie; the key is looked up again on every request, so a
revoked key (or one whose role changed) is signed out at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

COOKIE_NAME = "lb_dasbor"
COOKIE_PATH = "/dashboard"
SESSION_LIFETIME = timedelta(hours=8)
_VERSION = "v1"
# Derive a key for this one purpose, so the signature means nothing anywhere else SECRET_KEY is used.
_PURPOSE = b"lapor-bridge/dashboard-cookie/v1"


@dataclass(frozen=True)
class DashboardSession:
    """A signed-in dashboard user: which key, and until when (Unix seconds)."""

    key_id: int
    expires_at: int


def _signing_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _mac(payload: str, secret: str) -> str:
    digest = hmac.new(_signing_key(secret), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def seal(session: DashboardSession, secret: str) -> str:
    """The cookie value for a session: `v1.<key id>.<expiry>.<signature>`."""
    payload = f"{_VERSION}.{session.key_id}.{session.expires_at}"
    return f"{payload}.{_mac(payload, secret)}"


def unseal(value: str, secret: str, now: float) -> DashboardSession | None:
    """The session a cookie value carries, or None if it is malformed, forged or expired."""
    parts = value.split(".")
    if len(parts) != 4 or parts[0] != _VERSION:
        return None
    version, key_id, expires_at, signature = parts
    if not hmac.compare_digest(_mac(f"{version}.{key_id}.{expires_at}", secret), signature):
        return None
    if not (key_id.isascii() and key_id.isdigit() and expires_at.isascii() and expires_at.isdigit()):
        return None
    session = DashboardSession(key_id=int(key_id), expires_at=int(expires_at))
    return session if session.expires_at > now else None
