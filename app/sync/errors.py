"""The errors the national LAPOR client raises: a tree that tells the caller what to do next.

```
LaporError
├── TransientError          try again later (retried by the policy when the call allows it)
│   ├── ConnectionFailedError   no answer: refused, reset, timed out
│   ├── RateLimitedError        429, with Retry-After
│   ├── GatewayError            500 / 502 / 503 / 504
│   │   └── GatewayPageError    ... whose body is not JSON (a gateway's HTML page)
│   └── CircuitOpenError        the breaker is open: not even sent
├── RejectedError           422 and other 4xx: the payload must change (field errors kept)
├── NotFoundError           404
├── UnauthorizedError       401 / 403: the credentials must change, never retried
├── BadAnswerError          2xx whose body is not the JSON the contract promises
└── FilingUncertainError    a filing may have been stored upstream and cannot be looked up
```
"""

from __future__ import annotations

from app.core.errors import LoggableError


class LaporError(LoggableError):
    """Base of every error raised by the national LAPOR client."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class TransientError(LaporError):
    """The call may succeed if it is made again later."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        may_have_been_processed: bool = True,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        # False only when the request surely never reached LAPOR (refused connection, 429):
        # a call that is not safe to repeat may then still be retried.
        self.may_have_been_processed = may_have_been_processed


class ConnectionFailedError(TransientError):
    """No answer came: the connection failed, was dropped, or timed out."""


class RateLimitedError(TransientError):
    """LAPOR answered 429: the token is over its budget."""


class GatewayError(TransientError):
    """The gateway or LAPOR itself failed (500, 502, 503, 504)."""


class CircuitOpenError(TransientError):
    """The circuit breaker is open; the call was not sent."""


class BadAnswerError(LaporError):
    """The answer is not the JSON the contract promises (e.g. a gateway's HTML page)."""

    def __init__(self, message: str, *, status: int | None = None, snippet: str = "") -> None:
        super().__init__(message, status=status)
        self.snippet = snippet


class GatewayPageError(GatewayError, BadAnswerError):
    """A 5xx whose body is not JSON: transient, and not a crash."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        snippet: str = "",
    ) -> None:
        super().__init__(message, status=status, retry_after=retry_after)
        self.snippet = snippet


class RejectedError(LaporError):
    """LAPOR refused the payload (422 or another 4xx); `field_errors` says why."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        field_errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.field_errors: dict[str, list[str]] = field_errors or {}


class NotFoundError(LaporError):
    """LAPOR does not know this id (or this path)."""


class UnauthorizedError(LaporError):
    """The auth secret or the institution token is missing or wrong (401/403)."""


class FilingUncertainError(LaporError):
    """A filing may have been stored upstream, and the gateway offers no way to look it up."""

    def __init__(self, message: str, *, tracking_number: str) -> None:
        super().__init__(message)
        self.tracking_number = tracking_number


def failure_text(exc: LaporError) -> str:
    """What a failure was, fit for a log line or a stored row: its class and HTTP status, and for a
    `BadAnswerError` its text (where and what, built here, never a value from the answer); never
    another error's text, which may echo what national LAPOR sent."""
    status = f" HTTP {exc.status}" if exc.status is not None else ""
    detail = f": {exc.message}" if isinstance(exc, BadAnswerError) else ""
    return f"{type(exc).__name__}{status}{detail}"
