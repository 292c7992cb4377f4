"""One attempt: sign the body, POST it, and note how the receiver answered."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import httpx

from app.core.backoff import parse_retry_after
from app.webhooks.claims import ClaimedDelivery
from app.webhooks.safety import DestinationPolicy, DestinationRefused
from app.webhooks.signing import signed_headers

log = logging.getLogger("app.webhooks")

RESPONSE_BODY_LIMIT = 2048
ERROR_LIMIT = 500


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


async def _read_start(response: httpx.Response, limit: int) -> str:
    """The first `limit` bytes of the answer, without downloading the rest."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit].decode("utf-8", errors="replace")


async def send_attempt(
    client: httpx.AsyncClient,
    policy: DestinationPolicy,
    delivery: ClaimedDelivery,
    *,
    attempted_at: datetime,
    timeout_seconds: float,
) -> AttemptOutcome:
    """POST the signed body once; every failure becomes an outcome, never an exception."""
    outcome = partial(_outcome, delivery, attempted_at, time.perf_counter())
    try:
        response, body = await _post(client, policy, delivery, timeout_seconds)
    except DestinationRefused as exc:
        return outcome(error=f"refused: {exc.detail}"[:ERROR_LIMIT])
    except TimeoutError:
        return outcome(error=f"timed out after {timeout_seconds:g} s")
    except httpx.HTTPError as exc:
        return outcome(error=f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT])
    except Exception as exc:  # anything else is a failed attempt too, retried on the schedule
        log.warning("webhook attempt of delivery %d failed unexpectedly", delivery.delivery_id, exc_info=exc)
        return outcome(error=f"unexpected {type(exc).__name__}"[:ERROR_LIMIT])
    retry_after = None
    if response.status_code in (429, 503):
        retry_after = parse_retry_after(response.headers.get("retry-after"))
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return outcome(response.status_code, error=error, response_body=body or None, retry_after=retry_after)


async def _post(
    client: httpx.AsyncClient, policy: DestinationPolicy, delivery: ClaimedDelivery, timeout_seconds: float
) -> tuple[httpx.Response, str]:
    """The receiver's answer to the signed body, with the start of its body."""
    policy.check_url(delivery.url)  # the settings may have changed since the subscription
    # The signature's time is the real time of sending: receivers check it against their clock.
    headers = signed_headers(delivery.msg_id, delivery.body, delivery.signing_secrets, datetime.now(UTC))
    async with (
        asyncio.timeout(timeout_seconds),
        client.stream("POST", delivery.url, content=delivery.body, headers=headers) as response,
    ):
        return response, await _read_start(response, RESPONSE_BODY_LIMIT)


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
