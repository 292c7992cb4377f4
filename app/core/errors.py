"""The domain exception tree; one handler renders every one as `{"error", "detail"}`."""

from __future__ import annotations

from typing import Any


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The one error shape of this API."""
    return {"error": code, "detail": detail, **extra}


class LoggableError(Exception):
    """An error whose text this service composes from codes, ids and field names, never from
    values: logs keep its text (every other exception is logged by class and frames only,
    `app.core.observability.exception_text`)."""


class AppError(Exception):
    """Base of every error the service answers deliberately."""

    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}
        self.headers: dict[str, str] = {}


class Unauthenticated(AppError):
    """No key, an unknown key or a revoked key."""

    status_code = 401
    code = "unauthenticated"


class Forbidden(AppError):
    """The key's role may not do this."""

    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    """No such thing, or not one the caller may see."""

    status_code = 404
    code = "not_found"


class Conflict(AppError):
    """The request clashes with the current state."""

    status_code = 409
    code = "conflict"


class TransitionRefused(Conflict):
    """A move not allowed from the report's current status."""

    code = "transition_refused"


class VersionConflict(Conflict):
    """The report changed since the caller read it."""

    code = "version_conflict"


class PreconditionFailed(AppError):
    """`If-Match` names a version that is no longer current."""

    status_code = 412
    code = "precondition_failed"


class PayloadTooLarge(AppError):
    """The body or the file is over its size limit."""

    status_code = 413
    code = "payload_too_large"


class UnsupportedMedia(AppError):
    """A file whose bytes are not of an allowed type."""

    status_code = 415
    code = "unsupported_media_type"


class Unprocessable(AppError):
    """Well-formed but not acceptable (idempotency key reuse, unknown references)."""

    status_code = 422
    code = "unprocessable"


class TooManyRequests(AppError):
    """The key went over its request budget; `Retry-After` says when to come back."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, extra={"retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


class ServiceUnavailable(AppError):
    """The service cannot answer now (database down, schema behind)."""

    status_code = 503
    code = "unavailable"
