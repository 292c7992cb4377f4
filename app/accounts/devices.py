"""Device cookies: a browser's proof that an account was signed in on it before.

OWASP's "slow down online guessing with device cookies": a browser that has signed in to an
account gets a cookie carrying a random nonce, its issue time and an HMAC over both and the
account's id. Wrong passwords sent with a valid cookie count against that device (`device:<nonce>`)
instead of the account, so someone guessing from elsewhere cannot lock the official out of their
own browser (see `app.accounts.sign_in`). The HMAC key is derived from SECRET_KEY for this
purpose alone, so the cookie cannot be forged, nor moved to another account; after SECRET_KEY
changes, old cookies are simply no longer valid. The account id is not in the cookie: it is
checked against the account the browser is signing in to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

_PURPOSE = b"lapor-bridge/workspace-device-cookie/v1"
_SHAPE = re.compile(r"([A-Za-z0-9_-]{22})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")
MAX_SKEW = timedelta(minutes=5)
"""How far in the future an issue time may be (another process's clock) and still count."""


@dataclass(frozen=True)
class DeviceCookies:
    """Issues and reads the device cookies of one SECRET_KEY, valid for `lifetime`."""

    key: bytes
    lifetime: timedelta = timedelta(days=180)

    @classmethod
    def of_secret(cls, secret: str, lifetime: timedelta) -> DeviceCookies:
        """The cookies keyed by HMAC-SHA256(secret, this purpose), never by the secret itself."""
        return cls(hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest(), lifetime)

    def _mac(self, account_id: int, nonce: str, issued: int) -> str:
        message = f"{account_id}|{nonce}|{issued}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def issue(self, account_id: int, now: datetime) -> str:
        """A new cookie value for this account: a fresh 128-bit nonce, `now`, and their HMAC."""
        nonce = secrets.token_urlsafe(16)
        issued = int(now.timestamp())
        return f"{nonce}.{issued}.{self._mac(account_id, nonce, issued)}"

    def nonce_for(self, value: str | None, account_id: int, now: datetime) -> str | None:
        """The nonce of a cookie issued to this account and not expired; None for anything else
        (absent, malformed, forged, tampered with, expired, another account's)."""
        found = _SHAPE.fullmatch(value) if value and len(value) <= 100 else None
        if found is None:
            return None
        nonce, issued, mac = found.group(1), int(found.group(2)), found.group(3)
        if not hmac.compare_digest(mac, self._mac(account_id, nonce, issued)):
            return None
        age = now.timestamp() - issued
        if age >= self.lifetime.total_seconds() or age < -MAX_SKEW.total_seconds():
            return None
        return nonce
