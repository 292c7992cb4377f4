"""Standard Webhooks messages: secrets, the body, and the signed headers.

Signing goes through the `standardwebhooks` package; the bytes signed are the bytes sent.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix, not a secret
PING_EVENT = "webhook.ping"


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_msg_id() -> str:
    """A new `webhook-id`, kept by a delivery for all its attempts."""
    return "msg_" + secrets.token_hex(12)


def message_body(event_type: str, occurred_at: datetime, data: dict[str, Any]) -> bytes:
    """The Standard Webhooks body: `type`, `timestamp` (when it happened, UTC) and `data`."""
    stamp = occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return orjson.dumps({"type": event_type, "timestamp": stamp, "data": data})


@lru_cache(maxsize=256)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)


def signed_headers(msg_id: str, body: bytes, signing_secrets: Sequence[str], at: datetime) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` and `webhook-signature` (one signature per secret)."""
    at = at.astimezone(UTC).replace(microsecond=0)  # the package reads the time as UTC
    text = body.decode()
    signature = " ".join(_signer(secret).sign(msg_id, at, text) for secret in signing_secrets)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }
