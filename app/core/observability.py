"""Logs as JSON lines with a request id, request metrics, and the Prometheus text at `/metrics`."""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import LoggableError

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("app.access")

REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "lapor_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "lapor_http_request_duration_seconds",
    "Time to answer HTTP requests",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
_SAFE_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def exception_text(exc: BaseException) -> str:
    """A traceback of `exc` and the exceptions that led to it, each named by its class and frames:
    an exception's text may quote a value (a reporter's phone in a validation error, a row in a
    database error), so only a `LoggableError`'s text is kept."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    blocks = []
    for error in reversed(chain):
        name = type(error).__qualname__
        said = f"{name}: {error}" if isinstance(error, LoggableError) else name
        frames = "".join(traceback.format_tb(error.__traceback__))
        blocks.append(f"Traceback (most recent call last):\n{frames}{said}")
    return "\n\nwhich led to:\n\n".join(blocks)


class RedactingFormatter(logging.Formatter):
    """Plain text lines whose tracebacks carry no exception text (`exception_text`)."""

    def formatException(self, ei: Any) -> str:
        return exception_text(ei[1]) if ei[1] is not None else ""

    def format(self, record: logging.LogRecord) -> str:
        # Never the text another handler's formatter may have left on the record.
        kept, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = kept


class JsonFormatter(RedactingFormatter):
    """One JSON object per line: time, level, logger, message, request id, and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for name in ("method", "path", "status", "duration_ms"):
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["traceback"] = self.formatException(record.exc_info)
        return str(json.dumps(entry, ensure_ascii=False))


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Send every log line to stdout, as JSON (or plain text for development)."""
    handler = logging.StreamHandler(sys.stdout)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Our access line replaces uvicorn's, which would log full URLs (query strings hold search text).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    # One line per outgoing call is noise at INFO; the sync logs its runs with their counts.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _request_id(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope.get("headers") or []
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")[:128]
            if candidate and set(candidate) <= _SAFE_ID:
                return candidate
    return uuid.uuid4().hex


class RequestTelemetry:
    """Request id (taken from `X-Request-ID` or made), an access log line, and the HTTP metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            access_log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "method": method,
                    "path": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            request_id_var.reset(token)


def process_metrics() -> bytes:
    """This process's own metrics (requests, latency), in Prometheus text format."""
    return generate_latest(REGISTRY)
