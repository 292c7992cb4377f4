"""Reading LAPOR's answers: the `results` of a success, or the error of the tree a failure means.

A 2xx body this adapter cannot read (not JSON, not the promised shape) is a `BadAnswerError`,
whatever went wrong inside: no other exception leaves `read_results`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TypeVar

import httpx
import orjson
from pydantic import TypeAdapter, ValidationError

from app.core.backoff import parse_retry_after
from app.sync.errors import (
    BadAnswerError,
    GatewayError,
    GatewayPageError,
    LaporError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    UnauthorizedError,
)
from app.sync.wire import Envelope

M = TypeVar("M")

_TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})

MAX_RETRY_AFTER_SECONDS = 3600.0
"""The longest `Retry-After` honoured: a longer one counts as an hour. A 429 holds back every
call sharing the token and a push job waits at least that long, so an absurd value from the
gateway (a day, or 10^12 seconds, past any date a job can be put back to) would stop the sync."""


def read_results(response: httpx.Response, adapter: TypeAdapter[Envelope[M]]) -> M:
    """The `results` of a 2xx answer, or the error its status means."""
    status = response.status_code
    if 200 <= status < 300:
        try:
            return _validated(adapter, response.content).results
        except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:  # ValidationError is one
            raise BadAnswerError(
                f"{_where(response)}: answer is not the promised JSON ({_summary(exc)})",
                status=status,
                snippet=_snippet(response),
            ) from exc
    raise error_for(response)


def _validated(adapter: TypeAdapter[Envelope[M]], content: bytes) -> Envelope[M]:
    """The body read by the fast JSON parser; when that one refuses it, read again by Python's.

    The fast parser refuses a lone surrogate (`"\\ud800"`, which some gateways write for a broken
    emoji), bytes that are not UTF-8, and `NaN`: one odd character would then keep a real
    complaint out for good. Python's parser takes them; the models clean the text.
    """
    try:
        return adapter.validate_json(content)
    except ValidationError as exc:
        if not any(e["type"] == "json_invalid" for e in exc.errors(include_input=False)):
            raise
        try:
            body = json.loads(content.decode("utf-8", errors="replace"))
        except (ValueError, RecursionError):
            raise exc from None
        return adapter.validate_python(body)


def error_for(response: httpx.Response) -> LaporError:
    """The error of the tree that a non-2xx answer means."""
    status = response.status_code
    problem = _problem(response)
    where = _where(response)
    message = problem.get("message")
    text = f"{where}: {status} {message if isinstance(message, str) else ''}".rstrip()
    asked = parse_retry_after(response.headers.get("Retry-After"))
    retry_after = None if asked is None else min(asked, MAX_RETRY_AFTER_SECONDS)
    if status in (401, 403):
        return UnauthorizedError(text, status=status)
    if status == 404:
        return NotFoundError(text, status=status)
    if status == 429:
        return RateLimitedError(text, status=status, retry_after=retry_after, may_have_been_processed=False)
    if status in _TRANSIENT_STATUSES:
        if not problem:
            return GatewayPageError(
                f"{where}: {status} with a non-JSON body",
                status=status,
                retry_after=retry_after,
                snippet=_snippet(response),
            )
        return GatewayError(text, status=status, retry_after=retry_after)
    if 400 <= status < 500:
        return RejectedError(text, status=status, field_errors=_field_errors(problem))
    return BadAnswerError(f"{where}: unexpected status {status}", status=status)


def _problem(response: httpx.Response) -> dict[str, object]:
    """The JSON error body, or {} when the body is not a JSON object."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def _field_errors(problem: Mapping[str, object]) -> dict[str, list[str]]:
    errors = problem.get("errors")
    if not isinstance(errors, dict):
        return {}
    return {
        str(field): [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
        for field, messages in errors.items()
    }


def _where(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path}"


def _snippet(response: httpx.Response) -> str:
    """The start of a body that is not JSON (a gateway page): it holds no personal data."""
    kind = response.headers.get("content-type", "")
    return "" if "json" in kind else response.text[:200]


def _summary(error: Exception) -> str:
    """Where and what, without the input values (which may hold personal data)."""
    if not isinstance(error, ValidationError):
        return type(error).__name__
    parts = [
        f"{'.'.join(str(p) for p in e['loc'])}: {e['type']}" for e in error.errors(include_input=False)[:3]
    ]
    return "; ".join(parts)
