"""One attempt: sign the body, POST it, and note how the receiver answered.

The request goes straight to the delivery pool (httpcore, see `safety.delivery_pool`): the sender
builds the one request it needs, as an HTTP client would (`Host`, `Content-Length`), without a
client's per-request models, cookie jar, redirect and auth machinery, which would cost more CPU
than signing and sending together (bench/webhooks.py).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import httpcore
import httpx

from app.core.backoff import parse_retry_after
from app.webhooks.claims import ClaimedDelivery
from app.webhooks.safety import DestinationPolicy, DestinationRefused
from app.webhooks.signing import signed_headers

log = logging.getLogger("app.webhooks")

RESPONSE_BODY_LIMIT = 2048
ERROR_LIMIT = 500
USER_AGENT = b"lapor-bridge-webhooks/0.1"

HTTP_ERRORS = (
    httpcore.NetworkError,
    httpcore.TimeoutException,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)
"""What the pool raises when a request fails on the way (named as httpx names them too)."""


@dataclass(frozen=True)
class AttemptOutcome:
    """What one attempt of a delivery came to, and the lease token it is recorded under."""

    delivery_id: int
    subscription_id: int
    lease_until: datetime
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None = None
    response_body: str | None = None
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        """Only a 2xx answer delivers an event."""
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """`410 Gone`: the receiver asks never to be called again."""
        return self.status_code == 410


async def _read_start(response: httpcore.Response, limit: int) -> str:
    """The first `limit` bytes of the answer, without downloading the rest."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_stream():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit].decode("utf-8", errors="replace")


async def send_attempt(
    pool: httpcore.AsyncConnectionPool,
    policy: DestinationPolicy,
    delivery: ClaimedDelivery,
    *,
    attempted_at: datetime,
    timeout_seconds: float,
) -> AttemptOutcome:
    """POST the signed body once; every failure becomes an outcome, never an exception."""
    outcome = partial(_outcome, delivery, attempted_at, time.perf_counter())
    try:
        status, headers, body = await _post(pool, policy, delivery, timeout_seconds)
    except DestinationRefused as exc:
        return outcome(error=f"refused: {exc.detail}"[:ERROR_LIMIT])
    except TimeoutError:
        return outcome(error=f"timed out after {timeout_seconds:g} s")
    except HTTP_ERRORS as exc:
        return outcome(error=f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT])
    except Exception as exc:  # anything else is a failed attempt too, retried on the schedule
        log.warning("webhook attempt of delivery %d failed unexpectedly", delivery.delivery_id, exc_info=exc)
        return outcome(error=f"unexpected {type(exc).__name__}"[:ERROR_LIMIT])
    retry_after = None
    if status in (429, 503):
        retry_after = parse_retry_after(_header(headers, b"retry-after"))
    error = None if 200 <= status < 300 else f"HTTP {status}"
    return outcome(status, error=error, response_body=body or None, retry_after=retry_after)


def _signed_request(
    url: httpx.URL, delivery: ClaimedDelivery
) -> tuple[httpcore.URL, list[tuple[bytes, bytes]]]:
    """Where to POST the delivery's body (its checked URL), and with which headers."""
    # The signature's time is the real time of sending: receivers check it against their clock.
    signed = signed_headers(delivery.msg_id, delivery.body, delivery.signing_secrets, datetime.now(UTC))
    headers = [
        (b"host", url.netloc),
        (b"user-agent", USER_AGENT),
        (b"accept-encoding", b"identity"),  # the start of the answer is kept as text
        (b"content-length", str(len(delivery.body)).encode()),
        *((name.encode(), value.encode()) for name, value in signed.items()),
    ]
    if url.userinfo:  # `https://user:password@host/…`: Basic auth, as an HTTP client sends it
        credentials = f"{url.username}:{url.password}".encode()
        headers.append((b"authorization", b"Basic " + base64.b64encode(credentials)))
    target = httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path)
    return target, headers


async def _post(
    pool: httpcore.AsyncConnectionPool,
    policy: DestinationPolicy,
    delivery: ClaimedDelivery,
    timeout_seconds: float,
) -> tuple[int, list[tuple[bytes, bytes]], str]:
    """The receiver's status and headers, with the start of its body; the deadline bounds it all
    (connecting, waiting for a pooled connection, sending, reading: the pool sets no timeouts)."""
    url = policy.checked_url(delivery.url)  # the settings may have changed since the subscription
    target, headers = _signed_request(url, delivery)
    async with (
        asyncio.timeout(timeout_seconds),
        pool.stream(b"POST", target, headers=headers, content=delivery.body) as response,
    ):
        return response.status, response.headers, await _read_start(response, RESPONSE_BODY_LIMIT)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first value of a header (`name` in lower case), if the answer has it."""
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _outcome(
    delivery: ClaimedDelivery,
    attempted_at: datetime,
    started: float,
    status_code: int | None = None,
    *,
    error: str | None = None,
    response_body: str | None = None,
    retry_after: float | None = None,
) -> AttemptOutcome:
    """What the attempt came to, timed from `started` (a `time.perf_counter()` reading)."""
    return AttemptOutcome(
        delivery_id=delivery.delivery_id,
        subscription_id=delivery.subscription_id,
        lease_until=delivery.lease.until,
        attempted_at=attempted_at,
        status_code=status_code,
        duration_ms=round((time.perf_counter() - started) * 1000),
        error=error,
        response_body=response_body,
        retry_after=retry_after,
    )
