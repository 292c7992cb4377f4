"""The FastAPI application: routers, error handlers, limits, lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import (
    accounts,
    attachments,
    directory,
    docs,
    duplicates,
    export,
    filing,
    keys,
    moves,
    ops,
    ratings,
    reports,
    similar,
    stats,
    sync,
    webhooks,
)
from app.api.errors_schema import ErrorOut, ValidationErrorOut
from app.core.config import Settings, get_settings
from app.core.errors import AppError
from app.core.failures import UnexpectedErrors, log_unexpected
from app.core.input_guard import ControlCharacterGuard
from app.core.observability import RequestTelemetry, configure_logging
from app.dashboard.workspace import ROUTERS as WORKSPACE_ROUTERS
from app.open311.router import router as open311_router
from app.public.router import router as public_router
from app.runtime.context import running

log = logging.getLogger("app")

DESCRIPTION = """
A regency's complaint store, synced both ways with national SP4N-LAPOR!.

Authenticate with an API key in the `X-API-Key` header (made with `lapor-bridge apikey create`).
Every error answers `{"error": code, "detail": message}` (plus `fields` for `422`).
"""


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The one error shape of this API."""
    return {"error": code, "detail": detail, **extra}


class BodyLimit:
    """Refuse request bodies over the limit with `413`, whether or not they declare a length."""

    def __init__(self, app: ASGIApp, *, default_limit: int, upload_limit: int) -> None:
        self.app = app
        self.default_limit = default_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        uploads = scope["path"].endswith(("/attachments", "/tindak-lanjut"))  # the workspace's follow-up form
        limit = self.upload_limit if uploads else self.default_limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
            await self._refuse(send, limit)
            return
        received = 0
        refused = False
        response_started = False

        async def limited_receive() -> Message:
            # Past the limit: answer 413 now, and tell the app the client has gone away.
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not response_started:
                        await self._refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return  # the 413 has been sent; whatever the app answers is dropped
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        response = JSONResponse(
            error_body("payload_too_large", f"the request body is over the {limit}-byte limit"),
            status_code=413,
        )
        await response({"type": "http"}, _empty_receive, send)


async def _empty_receive() -> Message:
    return {"type": "http.disconnect"}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def on_app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.detail, **exc.extra), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(error_body("malformed_json", "the body is not valid JSON"), status_code=400)
        fields = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg", ""),
                "type": e.get("type"),
            }
            for e in errors
        ]
        return JSONResponse(
            error_body("validation_error", "the request does not match the expected shape", fields=fields),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated", 403: "forbidden"}
        return JSONResponse(
            error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def on_integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error answered as 409: %s", type(exc.orig).__name__)
        return JSONResponse(
            error_body("conflict", "the change clashes with data already stored"), status_code=409
        )

    @app.exception_handler(Exception)
    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Reached only from outside UnexpectedErrors (which answers the routes' errors itself).
        log_unexpected(exc)
        return JSONResponse(error_body("internal_error", "something went wrong on our side"), status_code=500)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given (or the environment's) settings."""
    settings = settings or get_settings()
    problems = settings.production_problems()
    if problems:
        raise RuntimeError("refusing to start in production: " + "; ".join(problems))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(settings) as runtime:
            app.state.runtime = runtime
            yield

    app = FastAPI(
        title="lapor-bridge",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by app.api.docs
        redoc_url=None,
        responses={
            400: {"model": ErrorOut, "description": "Malformed request"},
            401: {"model": ErrorOut, "description": "Missing, unknown or revoked key"},
            403: {"model": ErrorOut, "description": "The key's role may not do this"},
            404: {"model": ErrorOut, "description": "Not found, or not visible to this key"},
            409: {"model": ErrorOut, "description": "Conflict with the current state"},
            413: {"model": ErrorOut, "description": "Body over the size limit"},
            422: {"model": ValidationErrorOut, "description": "Invalid input"},
        },
    )
    _install_error_handlers(app)
    for router in (
        export.router,  # before reports: /reports/export is not a report id
        similar.router,  # and neither is /reports/similar
        filing.router,
        reports.router,
        moves.router,
        ratings.router,
        duplicates.router,
        attachments.router,
        directory.agencies_router,
        directory.categories_router,
        keys.router,
        accounts.router,
        stats.router,
        sync.router,
        ops.router,
        webhooks.router,
        *WORKSPACE_ROUTERS,
        docs.router,
        public_router,
        open311_router,
    ):
        app.include_router(router)
    app.add_middleware(ControlCharacterGuard)  # inside BodyLimit: it reads bodies already bounded
    app.add_middleware(
        BodyLimit,
        default_limit=settings.max_body_bytes,
        upload_limit=settings.max_attachment_bytes + 64 * 1024,
    )
    app.add_middleware(UnexpectedErrors)  # inside the telemetry: its 500 gets a request id too
    app.add_middleware(RequestTelemetry)  # outermost: every answer gets its request id and metrics
    return app


def serve_app() -> FastAPI:
    """The app as `lapor-bridge serve` runs it: logging configured from the settings first."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
