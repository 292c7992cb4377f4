"""Every error the API answers, in the one shape `{"error", "detail"}` (plus `fields` for `422`)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.errors import AppError, error_body
from app.core.failures import log_unexpected

log = logging.getLogger("app")

HTTP_CODES = {404: "not_found", 401: "unauthenticated", 403: "forbidden"}  # 405: app.core.methods


async def on_app_error(_: Request, exc: Exception) -> JSONResponse:
    """A domain error: its own code, status and headers."""
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(exc.code, exc.detail, **exc.extra), status_code=exc.status_code, headers=exc.headers
    )


async def on_validation(_: Request, exc: Exception) -> JSONResponse:
    """`400` for a body that is not JSON, `422` with each field's problem otherwise."""
    assert isinstance(exc, RequestValidationError)
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


async def on_http(_: Request, exc: Exception) -> JSONResponse:
    """Starlette's own answers (unknown route) in the same shape (a wrong method's 405 is
    `app.core.methods`')."""
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        error_body(HTTP_CODES.get(exc.status_code, "http_error"), str(exc.detail)),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def on_integrity(_: Request, exc: Exception) -> JSONResponse:
    """A constraint the checks before it did not foresee: `409`, never a `500`."""
    assert isinstance(exc, IntegrityError)
    log.warning("integrity error answered as 409: %s", type(exc.orig).__name__)
    return JSONResponse(
        error_body("conflict", "the change clashes with data already stored"), status_code=409
    )


async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    """Reached only from outside UnexpectedErrors (which answers the routes' errors itself)."""
    log_unexpected(exc)
    return JSONResponse(error_body("internal_error", "something went wrong on our side"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler above on the app."""
    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(IntegrityError, on_integrity)
    app.add_exception_handler(Exception, on_unexpected)
