"""The FastAPI application: its routers, error handlers, edge middleware and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from app.api import (
    accounts,
    attachments,
    directory,
    docs,
    duplicates,
    erasure,
    export,
    filing,
    keys,
    moves,
    ops,
    ratings,
    registrations,
    reports,
    similar,
    stats,
    sync,
    webhooks,
)
from app.api.error_handlers import install_error_handlers
from app.api.errors_schema import ErrorOut, ValidationErrorOut
from app.core.body_limit import BodyLimit, Shapes
from app.core.config import Settings, get_settings
from app.core.failures import UnexpectedErrors
from app.core.input_guard import ControlCharacterGuard
from app.core.methods import HeadAsGet, install_method_handler
from app.core.observability import RequestTelemetry, configure_logging
from app.dashboard.router import edge_page
from app.dashboard.workspace import ROUTERS as WORKSPACE_ROUTERS
from app.open311.render import ROOT as OPEN311_ROOT
from app.open311.render import edge_error, install_error_handler
from app.open311.router import router as open311_router
from app.public.page import edge_page as lacak_edge_page
from app.public.router import router as public_router
from app.runtime.context import running
from app.runtime.heap import settle_heap

DESCRIPTION = """
A regency's complaint store, synced both ways with national SP4N-LAPOR!.

Authenticate with an API key in the `X-API-Key` header (made with `lapor-bridge apikey create`).
Every error answers `{"error": code, "detail": message}` (plus `fields` for `422`).
"""


ROUTERS = (
    export.router,  # before reports: /reports/export is not a report id
    similar.router,  # and neither is /reports/similar
    filing.router,
    reports.router,
    moves.router,
    ratings.router,
    duplicates.router,
    erasure.router,
    attachments.router,
    directory.agencies_router,
    directory.categories_router,
    keys.router,
    accounts.router,
    stats.router,
    sync.router,
    registrations.router,
    ops.router,
    webhooks.router,
    *WORKSPACE_ROUTERS,
    docs.router,
    public_router,
    open311_router,
)

# Open311's clients read its own error shape; the workspace's and /lacak's browsers a page.
SHAPES: Shapes = {OPEN311_ROOT: edge_error, "/dashboard": edge_page, "/lacak": lacak_edge_page}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Malformed request"},
    401: {"model": ErrorOut, "description": "Missing, unknown or revoked key"},
    403: {"model": ErrorOut, "description": "The key's role may not do this"},
    404: {"model": ErrorOut, "description": "Not found, or not visible to this key"},
    409: {"model": ErrorOut, "description": "Conflict with the current state"},
    413: {"model": ErrorOut, "description": "Body over the size limit"},
    422: {"model": ValidationErrorOut, "description": "Invalid input"},
}


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
            settle_heap()
            yield

    app = FastAPI(
        title="lapor-bridge",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served offline by app.api.docs
        redoc_url=None,
        responses=ERROR_RESPONSES,
    )
    install_error_handlers(app)
    install_error_handler(app)  # Open311's 404 in its own shape
    install_method_handler(app, SHAPES)  # every 405, with `Allow`, in the shape of its part
    for router in ROUTERS:
        app.include_router(router)
    _add_middleware(app, settings)
    return app


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """The edge, innermost first: input guard, body limit, unexpected errors, HEAD, telemetry."""
    app.add_middleware(ControlCharacterGuard, shapes=SHAPES)  # inside BodyLimit: bodies are bounded
    app.add_middleware(
        BodyLimit,
        default_limit=settings.max_body_bytes,
        upload_limit=settings.max_attachment_bytes + 64 * 1024,
        shapes=SHAPES,
    )
    app.add_middleware(UnexpectedErrors)  # inside the telemetry: its 500 gets a request id too
    app.add_middleware(HeadAsGet)  # outside every answer, so none sends a body to a HEAD
    app.add_middleware(RequestTelemetry)  # outermost: every answer gets its request id and metrics


def serve_app() -> FastAPI:
    """The app as `lapor-bridge serve` runs it: logging configured from the settings first."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
