"""How a call reaches national LAPOR: the HTTP client, and each attempt made of a call.

Every attempt passes the circuit breaker and waits its turn in the shared call budget, carries
the auth headers, and turns whatever comes back into a wire model or an error of
`app.sync.errors`; a call is its attempts under the retry policy. Secrets and request bodies are
never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TypeVar

import httpx
from pydantic import TypeAdapter

from app.core.config import Settings
from app.sync.answers import read_results
from app.sync.auth import AuthForm, auth_headers
from app.sync.breaker import CircuitBreaker
from app.sync.call_budget import TokenBucket
from app.sync.errors import ConnectionFailedError, RateLimitedError
from app.sync.retry import RetryPolicy
from app.sync.timing import Clock, Sleep, monotonic, real_sleep
from app.sync.wire import Envelope
from app.sync.wire.outgoing import UploadParts

logger = logging.getLogger(__name__)

M = TypeVar("M")
QueryParams = Mapping[str, str | int]


def build_http_client(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` for LAPOR with explicit timeouts and connection limits."""
    if not settings.lapor_base_url:
        raise ValueError("LAPOR_BASE_URL is not set")
    timeout = httpx.Timeout(settings.lapor_timeout_seconds, connect=settings.lapor_connect_timeout_seconds)
    limits = httpx.Limits(
        max_connections=settings.lapor_max_connections,
        max_keepalive_connections=settings.lapor_max_connections,
        keepalive_expiry=30.0,
    )
    return httpx.AsyncClient(
        base_url=settings.lapor_base_url,
        timeout=timeout,
        limits=limits,
        headers={"Accept": "application/json", "User-Agent": "lapor-bridge"},
        follow_redirects=False,
        transport=transport,
    )


class Transport:
    """Makes calls to LAPOR: attempts through the breaker and the call budget, under the retry policy."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        headers: Mapping[str, str],
        retry: RetryPolicy | None = None,
        rate_limit: TokenBucket | None = None,
        breaker: CircuitBreaker | None = None,
        owns_http: bool = False,
    ) -> None:
        self._http = http
        self._headers = dict(headers)
        self._owns_http = owns_http
        self.retry = retry or RetryPolicy()
        self.rate_limit = rate_limit or TokenBucket(60)
        self.breaker = breaker or CircuitBreaker()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        clock: Clock = monotonic,
        sleep: Sleep = real_sleep,
    ) -> Transport:
        """The transport of the `LAPOR_*` settings (building its own HTTP client unless given one)."""
        return cls(
            http if http is not None else build_http_client(settings),
            headers=auth_headers(
                AuthForm(settings.lapor_auth_form),
                settings.lapor_auth_secret,
                settings.lapor_token,
                header_name=settings.lapor_auth_header_name,
            ),
            retry=RetryPolicy.from_settings(settings, sleep=sleep, clock=clock),
            rate_limit=TokenBucket(
                settings.lapor_rate_limit_per_minute,
                burst=settings.lapor_rate_limit_burst,
                clock=clock,
                sleep=sleep,
            ),
            breaker=CircuitBreaker(
                failure_threshold=settings.lapor_breaker_failures,
                cooldown_seconds=settings.lapor_breaker_cooldown_seconds,
                clock=clock,
            ),
            owns_http=http is None,
        )

    @property
    def base_url(self) -> str:
        """Where the gateway is."""
        return str(self._http.base_url)

    async def aclose(self) -> None:
        """Close the HTTP client if this transport built it."""
        if self._owns_http:
            await self._http.aclose()

    async def fetch(
        self,
        method: str,
        path: str,
        adapter: TypeAdapter[Envelope[M]],
        params: QueryParams | None = None,
        *,
        json: object = None,
        files: UploadParts | None = None,
        idempotent: bool = True,
    ) -> M:
        """A call: its attempts under the retry policy (a call not `idempotent` is repeated only
        when the request surely never reached LAPOR)."""

        async def once() -> M:
            return await self.call(method, path, adapter, params, json=json, files=files)

        return await self.retry.run(once, idempotent=idempotent, description=f"{method} {path}")

    async def call(
        self,
        method: str,
        path: str,
        adapter: TypeAdapter[Envelope[M]],
        params: QueryParams | None = None,
        *,
        json: object = None,
        files: UploadParts | None = None,
    ) -> M:
        """One attempt: breaker, call budget, request, and the answer read or turned into an error."""
        async with self.breaker.guard():
            await self.rate_limit.acquire()
            response = await self._send(method, path, params, json, files)
            try:
                return read_results(response, adapter)
            except RateLimitedError as exc:
                self.rate_limit.hold(exc.retry_after or 0.0)
                raise

    async def _send(
        self,
        method: str,
        path: str,
        params: QueryParams | None,
        json: object,
        files: UploadParts | None,
    ) -> httpx.Response:
        try:
            response = await self._http.request(
                method,
                path,
                params=params,
                json=json,
                files=files,
                headers=self._headers,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise ConnectionFailedError(
                f"{method} {path}: could not connect ({type(exc).__name__})",
                may_have_been_processed=False,
            ) from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise ConnectionFailedError(f"{method} {path}: no answer ({type(exc).__name__})") from exc
        logger.debug("LAPOR %s %s -> %d", method, path, response.status_code)
        return response
