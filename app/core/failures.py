"""What the service does with an error nobody handled: a `500` in the one error shape, and a log
line naming the failure without its text; a client gone mid-body is not such an error."""

from __future__ import annotations

import logging
import traceback

from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.db import database_refusal
from app.core.errors import error_body

log = logging.getLogger("app")


class ResponseAborted(Exception):
    """An answer failed after its first byte: the connection is dropped, so the client sees
    a cut answer, never one that looks complete (the cause is logged on its own)."""


def log_unexpected(exc: BaseException) -> None:
    """Log an unhandled error by class (and SQLSTATE, table, constraint for the database's), never
    its text: PostgreSQL's message and detail may quote a row's values, a reporter's identity."""
    refused = database_refusal(exc)
    if refused is not None:
        log.error(
            "unhandled database error: %s (SQLSTATE %s, table %s, constraint %s)",
            type(refused).__name__,
            getattr(refused, "sqlstate", None),
            getattr(refused, "table_name", None),
            getattr(refused, "constraint_name", None),
        )
    elif isinstance(exc, DBAPIError):
        log.error("unhandled database error: %s (%s)", type(exc).__name__, type(exc.orig).__name__)
    else:
        # The frames show where it failed; the message, which may hold values, is left out.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("unhandled error: %s\n%s", type(exc).__name__, frames)


class UnexpectedErrors:
    """Answer an unhandled error with `500` here, so the server never logs its text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except ClientDisconnect:
            log.info("the client went away before its request body was read")
        except Exception as exc:
            log_unexpected(exc)
            if started:
                raise ResponseAborted("the answer failed after it had started") from None
            response = JSONResponse(
                error_body("internal_error", "something went wrong on our side"), status_code=500
            )
            await response(scope, receive, send)
